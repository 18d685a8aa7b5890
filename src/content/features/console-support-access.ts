// Settings → Support access: outstanding Support requests with scope and my eligibility per row,
// bulk grant, and active grants with revoke — all inside our frame. The vendor's own list of
// requests goes to the frame as ticket keys only, so rows I cannot grant are shown with why.
import type { Feature } from '../feature-manager';
import { findOutstandingRequestKeys } from '../adapters/admin-console';
import { isSupportAccessSettings } from '../matchers';
import { runConsoleFrame } from './console-frame';

export const consoleSupportAccess: Feature = {
  id: 'console-support-access',
  include: [isSupportAccessSettings],
  init: (signal) => runConsoleFrame('support-access', signal, () => ({ tickets: findOutstandingRequestKeys(document).join(',') })),
};
