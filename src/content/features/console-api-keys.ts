// Settings → API keys: the org's Access API keys for machine callers: list, create, delete.
import type { Feature } from '../feature-manager';
import { isApiKeys } from '../matchers';
import { runConsoleFrame } from './console-frame';

export const consoleApiKeys: Feature = {
  id: 'console-api-keys',
  include: [isApiKeys],
  init: (signal) => runConsoleFrame('api-keys', signal),
};
