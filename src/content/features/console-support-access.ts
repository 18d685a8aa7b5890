// Settings → Support access: outstanding Support requests with scope and my eligibility per row,
// bulk grant, and active grants with revoke — all inside our frame.
import type { Feature } from '../feature-manager';
import { isSupportAccessSettings } from '../matchers';
import { runConsoleFrame } from './console-frame';

export const consoleSupportAccess: Feature = {
  id: 'console-support-access',
  include: [isSupportAccessSettings],
  init: (signal) => runConsoleFrame('support-access', signal),
};
