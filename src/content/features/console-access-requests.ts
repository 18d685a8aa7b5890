// Access requests: requester details, approve with the seat count it brings, deny with a message
// and a warning when denying bars the person — inside our frame.
import type { Feature } from '../feature-manager';
import { isAccessRequests } from '../matchers';
import { runConsoleFrame } from './console-frame';

export const consoleAccessRequests: Feature = {
  id: 'console-access-requests',
  include: [isAccessRequests],
  init: (signal) => runConsoleFrame('access-requests', signal),
};
