// Handlers behind the admin console's roles page (issue 21): who can grant for a product on a site
// and through which role or group, the org's sites and products to pick from, people and groups to
// name, assigning or removing a role, and the grants made by someone who can no longer grant. Console frames only (registerHandlers checks the sender:
// our own extension pages); every change goes through requestAction like any consequential press.
import type { RoleAssignmentInput } from '../api/directory-schemas';
import { registerHandlers } from '../shared-ext/messages';
import { requestAction } from './actions';
import { accessClient } from './api';
import { toGrantView } from './console-views';
import { displayText } from '../shared-ext/format';
import type { DirectoryLookupWire, DirectorySitesWire, GrantorListWire } from '../api/directory-schemas';

const client = async () => (await accessClient()).client;

const text = (v: unknown, max = 200): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined);

/**
 * The assignment a frame asked for, keeping only the fields of the wire body (DESIGN §6): a person
 * or a group, a role, and the site and product(s). What is valid is the API's to decide (422).
 */
export function roleAssignmentInput(raw: unknown): RoleAssignmentInput {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const products = Array.isArray(r.products) ? r.products.filter((p): p is string => typeof p === 'string').slice(0, 100) : undefined;
  const out: Record<string, unknown> = { role: String(r.role ?? '') };
  for (const k of ['user', 'group', 'site', 'product'] as const) {
    const v = text(r[k]);
    if (v !== undefined) out[k] = v;
  }
  if (products && products.length > 0) out.products = products;
  return out as RoleAssignmentInput;
}

// What the roles page shows of the directory, with the names people and groups were given (by an
// admin, or the identity provider over SCIM) as displayText shows them.
const shownSites = (d: DirectorySitesWire): DirectorySitesWire => ({ ...d, sites: d.sites.map((s) => ({ ...s, products: s.products.map((p) => ({ ...p, name: displayText(p.name) })) })) });
const shownGrantors = (g: GrantorListWire): GrantorListWire => ({
  ...g,
  grantors: g.grantors.map((p) => ({
    ...p,
    name: displayText(p.name),
    email: displayText(p.email),
    via: p.via.kind === 'group' ? { ...p.via, groupName: displayText(p.via.groupName) } : p.via,
  })),
  groups: g.groups.map((x) => ({ ...x, name: displayText(x.name) })),
});
const shownLookup = (l: DirectoryLookupWire): DirectoryLookupWire => ({
  people: l.people.map((p) => ({ ...p, name: displayText(p.name), email: displayText(p.email) })),
  groups: l.groups.map((g) => ({ ...g, name: displayText(g.name) })),
});

export function registerRoleHandlers(): void {
  registerHandlers({
    getDirectorySites: async () => shownSites(await (await client()).directorySites()),
    getGrantors: async (req) => shownGrantors(await (await client()).grantors(String(req.site ?? ''), String(req.product ?? ''), typeof req.limit === 'number' ? req.limit : undefined)),
    getFlaggedGrants: async () => {
      const { grants, people } = await (await client()).flaggedGrants();
      return Promise.all(grants.map((g) => toGrantView(g, people)));
    },
    getRoleAssignments: async () => (await client()).roleAssignments(),
    lookupDirectory: async (req) => shownLookup(await (await client()).directoryLookup(String(req.q ?? '').slice(0, 200))),
    assignRole: (req, sender) => requestAction({ kind: 'role_assign', roleAssignment: roleAssignmentInput(req.assignment), idempotencyKey: req.idempotencyKey }, req.click, sender),
    removeRole: (req, sender) => requestAction({ kind: 'role_remove', roleAssignmentId: String(req.id ?? ''), idempotencyKey: req.idempotencyKey }, req.click, sender),
  });
}
