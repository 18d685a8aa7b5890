// Directory → Roles: who can grant Support access per site and product, and through which role or
// group; org admins assign and remove roles there (issue 21).
import type { Feature } from '../feature-manager';
import { isRoles } from '../matchers';
import { runConsoleFrame } from './console-frame';

export const consoleRoles: Feature = {
  id: 'console-roles',
  include: [isRoles],
  init: (signal) => runConsoleFrame('roles', signal),
};
