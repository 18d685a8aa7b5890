// The org every gate test runs against, written in the world file format of DESIGN §3 (and only
// that: no type from src/ describes it here, so the file stays what an outside check would write).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const user = (id: string, name: string, sites: string[], email = `${id}@acme.test`) => ({ id, name, email, emailVerified: true, sites, token: `${id}-token` });
const ticket = (key: string, site: string, product: string, engineer = 'sam') => ({ key, site, product, reporter: 'bob', engineer, status: 'open', dataAccessRequested: true });

/**
 * Acme, centralized, Guard on `acme-eu`; `acme-old` pending deletion. Admins: alice (org), bob
 * (Jira on main), cara (billing, Confluence on main), dev (user access on main), gus (Guard), hana
 * (Confluence on main by SCIM, not synced). rita and ravi have no role; nora is on no site.
 * Engineers sam and lee. Tickets: GATE-1..40 (main, Jira, sam), CONF-1..5 (main, Confluence),
 * EU-1..5 (eu, Jira, lee), OLD-1 (old, Jira).
 */
export const GATE_WORLD = {
  organization: { id: 'acme', name: 'Acme', userManagement: 'centralized', guard: { restrictedSites: ['acme-eu'] } },
  sites: [
    { id: 'acme-main', url: 'https://acme.atlassian.net', status: 'active' },
    { id: 'acme-eu', url: 'https://acme-eu.atlassian.net', status: 'active' },
    { id: 'acme-old', url: 'https://acme-old.atlassian.net', status: 'pending_deletion' },
  ],
  products: [
    { site: 'acme-main', key: 'jira', licensed: true, defaultGroup: 'jira-users', billableSeats: 41 },
    { site: 'acme-main', key: 'confluence', licensed: true, defaultGroup: 'confluence-users', billableSeats: 37 },
    { site: 'acme-eu', key: 'jira', licensed: true, defaultGroup: 'jira-users', billableSeats: 18 },
    { site: 'acme-old', key: 'jira', licensed: true, defaultGroup: 'jira-users', billableSeats: 3 },
  ],
  users: [
    user('alice', 'Alice Ng', ['acme-main', 'acme-eu']),
    user('bob', 'Bob Stone', ['acme-main']),
    user('cara', 'Cara Diaz', ['acme-main']),
    user('dev', 'Dev Patel', ['acme-main']),
    user('gus', 'Gus Lind', ['acme-main']),
    user('hana', 'Hana Sato', ['acme-main']),
    user('rita', 'Rita Moss', ['acme-main']),
    user('ravi', 'Ravi Rao', ['acme-main']),
    user('nora', 'Nora Vale', [], 'nora@elsewhere.test'),
  ],
  roles: [
    { user: 'alice', role: 'org_admin' },
    { user: 'bob', role: 'product_admin', site: 'acme-main', product: 'jira' },
    { user: 'cara', role: 'billing_admin', site: 'acme-main', products: ['confluence'] },
    { user: 'dev', role: 'user_access_admin', site: 'acme-main' },
    { user: 'gus', role: 'guard_admin' },
    { user: 'hana', role: 'product_admin', site: 'acme-main', product: 'confluence', source: 'scim', pendingSync: true },
  ],
  engineers: [
    { id: 'sam', email: 'sam@support.vendor.test', token: 'sam-token' },
    { id: 'lee', email: 'lee@support.vendor.test', token: 'lee-token' },
  ],
  tickets: [
    ...Array.from({ length: 40 }, (_, i) => ticket(`GATE-${i + 1}`, 'acme-main', 'jira')),
    ...Array.from({ length: 5 }, (_, i) => ticket(`CONF-${i + 1}`, 'acme-main', 'confluence')),
    ...Array.from({ length: 5 }, (_, i) => ticket(`EU-${i + 1}`, 'acme-eu', 'jira', 'lee')),
    ticket('OLD-1', 'acme-old', 'jira'),
  ],
};

/** The gate world (or another) written to a fresh temporary file; returns its path. */
export function writeWorldFile(world: unknown = GATE_WORLD): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ac-gate-world-')), 'world.json');
  writeFileSync(file, JSON.stringify(world, null, 2));
  return file;
}
