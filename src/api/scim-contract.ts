// The SCIM 2.0 service provider's routes (RFC 7644, DESIGN §6), declared once like the Access API's
// (contract.ts): the server registers them from here and /openapi.json documents them. Bodies and
// answers are SCIM resources (application/scim+json) checked by the server's SCIM layer, not zod
// schemas; refusals are in the SCIM error schema, not problem+json. Called with a `scim` key only.
import type { Method, Param, RouteDef } from './contract';

/** Where the service provider is mounted. */
export const SCIM_PREFIX = '/scim/v2';

const scim = <const M extends Method, const P extends string>(method: M, path: P, summary: string, status: number, params: Param[] = []): RouteDef<M, P, null, null> & { keyScope: 'scim' } => ({
  method,
  path,
  summary,
  body: null,
  status,
  ok: null,
  params,
  keyScope: 'scim',
});

const q = (name: string, description: string): Param => ({ name, in: 'query', description, schema: { type: 'string' } });
const LIST: Param[] = [
  q('filter', 'RFC 7644 §3.4.2.2: eq, co and sw on the attributes named in the summary, joined by and'),
  { name: 'startIndex', in: 'query', description: '1-based index of the first result (default 1)', schema: { type: 'integer', minimum: 1, default: 1 } },
  { name: 'count', in: 'query', description: 'Results per page (0–200, default 200; 0 answers only totalResults)', schema: { type: 'integer', minimum: 0, maximum: 200 } },
];
const MEMBERS: Param[] = [q('attributes', 'Attributes to return (members are left out unless named)'), q('excludedAttributes', '"members" leaves the member list out')];

export const SCIM_ROUTES = {
  scimServiceProviderConfig: scim('get', '/scim/v2/ServiceProviderConfig', 'SCIM: what this service provider supports (PATCH, filter; no bulk, sort, ETags)', 200),
  scimResourceTypes: scim('get', '/scim/v2/ResourceTypes', 'SCIM: the resource types, User and Group', 200),
  scimResourceType: scim('get', '/scim/v2/ResourceTypes/{id}', 'SCIM: one resource type', 200),
  scimSchemas: scim('get', '/scim/v2/Schemas', 'SCIM: the User and Group schemas, attribute by attribute', 200),
  scimSchema: scim('get', '/scim/v2/Schemas/{id}', 'SCIM: one schema by its URN', 200),
  scimCreateUser: scim('post', '/scim/v2/Users', 'SCIM: add a person (userName is their email; one person per normalized email: 409 uniqueness)', 201),
  scimUsers: scim('get', '/scim/v2/Users', 'SCIM: people, filtered on userName, emails.value, externalId, displayName or id, paged', 200, LIST),
  scimUser: scim('get', '/scim/v2/Users/{id}', 'SCIM: one person by id (the id used everywhere)', 200),
  scimReplaceUser: scim('put', '/scim/v2/Users/{id}', 'SCIM: replace a person', 200),
  scimPatchUser: scim('patch', '/scim/v2/Users/{id}', 'SCIM: change a person (add/replace/remove; active false deactivates)', 200),
  scimDeleteUser: scim('delete', '/scim/v2/Users/{id}', 'SCIM: remove a person, their memberships and own role assignments (their grants stay, flagged)', 204),
  scimCreateGroup: scim('post', '/scim/v2/Groups', 'SCIM: add a group, with members', 201),
  scimGroups: scim('get', '/scim/v2/Groups', 'SCIM: groups, filtered on displayName, externalId, id or members.value, paged', 200, [...LIST, ...MEMBERS]),
  scimGroup: scim('get', '/scim/v2/Groups/{id}', 'SCIM: one group', 200, MEMBERS),
  scimReplaceGroup: scim('put', '/scim/v2/Groups/{id}', 'SCIM: replace a group and its members', 200),
  scimPatchGroup: scim('patch', '/scim/v2/Groups/{id}', 'SCIM: rename a group or change its members (add, remove, members[value eq "…"], replace)', 204),
  scimDeleteGroup: scim('delete', '/scim/v2/Groups/{id}', 'SCIM: remove a group, its memberships and role assignments', 204),
} as const;
