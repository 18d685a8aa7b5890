// The rules of DESIGN §2 and the world file of §3, as pure functions. No I/O.
export * from './types';
export * from './limits';
export * from './email';
export * from './world';
export * from './index-world';
export * from './roles';
export * from './scope';
export * from './eligibility';
export * from './read-scope';
export * from './grants';
export * from './access';
export * from './changes';
export * from './world-changes';
export * from './access-requests';
export * from './generate';
