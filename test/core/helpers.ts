import { readFileSync } from 'node:fs';
import { indexWorld, parseWorld, type RoleAssignment, type Ticket, type UserManagement, type World, type WorldIndex } from '../../src/core/index';

export function loadFixture(name: string): WorldIndex {
  return indexWorld(parseWorld(JSON.parse(readFileSync(new URL(`../../fixtures/${name}.json`, import.meta.url), 'utf8'))));
}

export function rawFixture(name: string): Record<string, any> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/${name}.json`, import.meta.url), 'utf8'));
}

/**
 * A small org: sites "main" and "other" (active) and "doomed" (pending deletion), each with jira
 * and confluence; an org admin "olivia" who can always grant; tickets OPEN-1 (main/jira),
 * CLOSED-1 (main/jira, closed), DOOMED-1 (doomed/jira).
 */
export function smallWorld(userManagement: UserManagement, roles: RoleAssignment[], extraUsers: string[] = []): World {
  const sites = ['main', 'other', 'doomed'];
  const userIds = [...new Set(['olivia', 'rep', ...extraUsers, ...roles.map((r) => r.user)])];
  const ticket = (key: string, site: string, status: Ticket['status']): Ticket => ({ key, site, product: 'jira', reporter: 'rep', engineer: 'sam', status });
  return {
    organization: { id: 'org', name: 'Org', userManagement },
    sites: sites.map((id) => ({ id, url: `https://${id}.atlassian.net`, status: id === 'doomed' ? 'pending_deletion' : 'active' })),
    products: sites.flatMap((site) => ['jira', 'confluence'].map((key) => ({ site, key, licensed: true, defaultGroup: `${key}-users`, billableSeats: 5 }))),
    users: userIds.map((id) => ({ id, name: id === 'olivia' ? 'Olivia Admin' : `Name ${id}`, email: `${id}@org.test`, emailVerified: true, sites: ['main'] })),
    roles: [{ user: 'olivia', role: 'org_admin' }, ...roles],
    engineers: [{ id: 'sam', email: 'sam@vendor.test' }],
    tickets: [ticket('OPEN-1', 'main', 'open'), ticket('CLOSED-1', 'main', 'closed'), ticket('DOOMED-1', 'doomed', 'open')],
  };
}
