// The extension's view of the Access API: wire schemas, problem types and the typed client.
export * from './client';
export * as wire from './schemas';
export * from './problems';
export * from './vocabulary';
