// Security → Support access requests: grants held for Guard approval, approve or deny.
import type { Feature } from '../feature-manager';
import { isSupportAccessRequests } from '../matchers';
import { runConsoleFrame } from './console-frame';

export const consoleGuardApprovals: Feature = {
  id: 'console-guard-approvals',
  include: [isSupportAccessRequests],
  init: (signal) => runConsoleFrame('guard-approvals', signal),
};
