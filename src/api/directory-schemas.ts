// Wire schemas of the live directory (DESIGN §6): role assignments to a person or a group, who can
// grant for a product on a site (the console's roles page), a small people and groups lookup, the
// vendor's side of site status, Guard restriction and ticket assignment, and grants whose granter
// no longer could. Kept beside schemas.ts so the contract names them like any other schema.
import { z } from 'zod';
import { isStorableText, Role } from './schemas';
import { MAX_ID_LENGTH } from './vocabulary';

const id = z.string().min(1).max(MAX_ID_LENGTH).refine(isStorableText, { error: 'must not contain NUL characters or unpaired surrogates' });

/** Where an assignment came from: an org admin (or the world file) or the identity provider. */
export const RoleSource = z.enum(['manual', 'scim']);

/**
 * `POST /v1/role-assignments`: exactly one of `user` or `group`; `site`, `product` or `products` as
 * the role takes them (DESIGN §2.1, like a world file's `roles[]`). Whether the role exists in the
 * org's experience and the product is on the site is checked by the server (422 with the offending
 * field named).
 */
export const RoleAssignmentCreateBody = z
  .object({
    user: id.optional(),
    group: id.optional(),
    role: Role,
    site: id.optional(),
    product: id.optional(),
    products: z
      .array(id)
      .min(1)
      .max(100)
      .refine((p) => new Set(p).size === p.length, { error: 'must not repeat a product' })
      .optional(),
  })
  .strict()
  .refine((b) => (b.user === undefined) !== (b.group === undefined), { error: 'name exactly one of "user" or "group"' })
  .refine((b) => b.product === undefined || b.products === undefined, { error: 'give "product" or "products", not both' });

/** One role assignment: to a person (`user`) or to a group (`group`), never both. */
export const RoleAssignment = z.object({
  id: z.string(),
  user: z.string().optional(),
  group: z.string().optional(),
  role: Role,
  site: z.string().optional(),
  product: z.string().optional(),
  products: z.array(z.string()).optional(),
  source: RoleSource,
  /** A SCIM-set role that has not synced yet: not in effect (cause `scim_not_synced`). */
  pendingSync: z.boolean().optional(),
});
export const RoleAssignmentList = z.object({ assignments: z.array(RoleAssignment) });

/** How a grantor holds the role: their own assignment, or through a group they are in. */
export const GrantorVia = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('person'), assignment: z.string() }),
  z.object({ kind: z.literal('group'), assignment: z.string(), group: z.string(), groupName: z.string() }),
]);

/** One person who may grant for the product on the site, with the strongest role that allows it. */
export const Grantor = z.object({ userId: z.string(), name: z.string(), email: z.string(), role: Role, via: GrantorVia });

/** A group that holds a granting role here, with how many active people that brings in. */
export const GrantorGroup = z.object({ group: z.string(), name: z.string(), role: Role, assignment: z.string(), members: z.number().int() });

/**
 * `GET /v1/directory/grantors?site=&product=`: who may grant data access for `product` on `site`
 * now. `grantors` is the most relevant first (strongest role, then own role before a group's, then
 * name) and at most `limit` long; `total` counts every such person. `groups` lists every group
 * holding a granting role there (few, even when one has thousands of members). Deactivated people
 * never appear; a site pending deletion has no grantors (`siteAcceptsGrants` false).
 */
export const GrantorList = z.object({
  site: z.string(),
  product: z.string(),
  siteAcceptsGrants: z.boolean(),
  guardRestricted: z.boolean(),
  total: z.number().int(),
  grantors: z.array(Grantor),
  groups: z.array(GrantorGroup),
});

/** A person in the directory, as the console lists them. `lastSyncedAt`: the identity provider's last change (SCIM), else null. */
export const DirectoryPerson = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  active: z.boolean(),
  source: RoleSource,
  lastSyncedAt: z.string().nullable(),
});
export const DirectoryGroup = z.object({ id: z.string(), name: z.string(), members: z.number().int(), source: RoleSource });
/** `GET /v1/directory/lookup?q=`: people and groups whose name, email or id contains `q` (case-insensitive), at most 20 of each. */
export const DirectoryLookup = z.object({ people: z.array(DirectoryPerson), groups: z.array(DirectoryGroup) });

/** `GET /v1/directory/sync`: the directory's own record of sync with the identity provider. */
export const DirectorySync = z.object({ lastSyncedAt: z.string().nullable(), source: z.enum(['world', 'scim', 'admin']).nullable() });

// ---- the vendor's side (support system / engineer credentials) ----

/** `POST /v1/sites/{id}/status`: a site pending deletion accepts tickets and refuses grants. */
export const SiteStatusBody = z.object({ status: z.enum(['active', 'pending_deletion']) }).strict();
/** `POST /v1/sites/{id}/guard`: Guard support-access restriction on or off; on, live grants there wait for Guard again. */
export const SiteGuardBody = z.object({ restricted: z.boolean() }).strict();
export const SiteState = z.object({ id: z.string(), url: z.string(), status: z.enum(['active', 'pending_deletion']), guardRestricted: z.boolean(), grantsAffected: z.number().int() });
/** `POST /v1/tickets/{key}/assign`: the ticket's engineer; the previous one's access ends at once. */
export const TicketAssignBody = z.object({ engineer: id }).strict();
export const TicketAssigned = z.object({ key: z.string(), engineer: z.string(), previous: z.string(), grantsMoved: z.number().int() });

/**
 * `GET /v1/directory/sites`: the org's experience and its sites with their products, by name, for the
 * console's roles page to pick a site and product from (org admins).
 */
export const DirectorySites = z.object({
  userManagement: z.enum(['centralized', 'original']),
  sites: z.array(
    z.object({
      id: z.string(),
      url: z.string(),
      status: z.enum(['active', 'pending_deletion']),
      guardRestricted: z.boolean(),
      products: z.array(z.object({ key: z.string(), name: z.string(), licensed: z.boolean() })),
    }),
  ),
});

export type DirectorySitesWire = z.infer<typeof DirectorySites>;
export type RoleAssignmentWire = z.infer<typeof RoleAssignment>;
export type RoleAssignmentInput = z.infer<typeof RoleAssignmentCreateBody>;
export type GrantorListWire = z.infer<typeof GrantorList>;
export type DirectoryLookupWire = z.infer<typeof DirectoryLookup>;
