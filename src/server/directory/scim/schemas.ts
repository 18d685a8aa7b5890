// What this service provider says about itself (RFC 7643 §5–§7, RFC 7644 §4): the features it
// supports, its two resource types and the attributes of each. Providers read these once when an
// admin sets up provisioning; Entra's and Okta's setup checks call ServiceProviderConfig first.
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

/** Most resources one page holds (RFC 7644 §3.4.2.4 lets the provider cap `count`). */
export const MAX_PAGE = 200;

/** `urn:ietf:params:scim:schemas:core:2.0:User:userName` → `userName`: core attributes may be written either way. */
export function stripCoreUrn(path: string): string {
  for (const urn of [USER_SCHEMA, GROUP_SCHEMA]) if (path.toLowerCase().startsWith(`${urn.toLowerCase()}:`)) return path.slice(urn.length + 1);
  return path;
}

/** ServiceProviderConfig (RFC 7643 §5): PATCH and filtering yes; bulk, sort, ETags and password changes no. */
export function serviceProviderConfig(base: string): Record<string, unknown> {
  return {
    schemas: [SPC_SCHEMA],
    documentationUri: 'https://access-companion.dev/docs/scim',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_PAGE },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'API key',
        description: 'An Access Companion API key with the scim scope, sent as Authorization: Bearer acak_…',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

const RESOURCE_TYPES = {
  User: { id: 'User', name: 'User', endpoint: '/Users', description: 'A person of the organisation', schema: USER_SCHEMA, schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }] },
  Group: { id: 'Group', name: 'Group', endpoint: '/Groups', description: 'A group of people; roles given to it reach its members', schema: GROUP_SCHEMA, schemaExtensions: [] },
} as const;

export function resourceTypes(base: string): Array<Record<string, unknown>> {
  return Object.values(RESOURCE_TYPES).map((t) => resourceType(base, t.id)!);
}

export function resourceType(base: string, id: string): Record<string, unknown> | undefined {
  const t = Object.hasOwn(RESOURCE_TYPES, id) ? RESOURCE_TYPES[id as keyof typeof RESOURCE_TYPES] : undefined;
  return t && { schemas: [RESOURCE_TYPE_SCHEMA], ...t, meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/${t.id}` } };
}

type Attr = {
  name: string;
  type: 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime';
  multiValued?: boolean;
  required?: boolean;
  caseExact?: boolean;
  mutability?: 'readOnly' | 'readWrite' | 'immutable';
  uniqueness?: 'none' | 'server' | 'global';
  subAttributes?: Attr[];
  referenceTypes?: string[];
};

const attribute = (a: Attr): Record<string, unknown> => ({
  name: a.name,
  type: a.type,
  multiValued: a.multiValued ?? false,
  description: '',
  required: a.required ?? false,
  caseExact: a.caseExact ?? false,
  mutability: a.mutability ?? 'readWrite',
  returned: 'default',
  uniqueness: a.uniqueness ?? 'none',
  ...(a.referenceTypes ? { referenceTypes: a.referenceTypes } : {}),
  ...(a.subAttributes ? { subAttributes: a.subAttributes.map(attribute) } : {}),
});

const SCHEMAS: Record<string, { name: string; description: string; attributes: Attr[] }> = {
  [USER_SCHEMA]: {
    name: 'User',
    description: 'A person; userName is their email address, matched case-insensitively in one normalized form',
    attributes: [
      { name: 'userName', type: 'string', required: true, uniqueness: 'server' },
      { name: 'externalId', type: 'string', caseExact: true },
      { name: 'displayName', type: 'string' },
      {
        name: 'name',
        type: 'complex',
        subAttributes: [
          { name: 'formatted', type: 'string' },
          { name: 'givenName', type: 'string' },
          { name: 'familyName', type: 'string' },
        ],
      },
      {
        name: 'emails',
        type: 'complex',
        multiValued: true,
        subAttributes: [
          { name: 'value', type: 'string' },
          { name: 'type', type: 'string' },
          { name: 'primary', type: 'boolean' },
        ],
      },
      { name: 'active', type: 'boolean' },
      {
        name: 'groups',
        type: 'complex',
        multiValued: true,
        mutability: 'readOnly',
        subAttributes: [
          { name: 'value', type: 'string', mutability: 'readOnly' },
          { name: 'display', type: 'string', mutability: 'readOnly' },
        ],
      },
    ],
  },
  [GROUP_SCHEMA]: {
    name: 'Group',
    description: 'A group; its members reach the roles it is given',
    attributes: [
      { name: 'displayName', type: 'string', required: true },
      { name: 'externalId', type: 'string', caseExact: true },
      {
        name: 'members',
        type: 'complex',
        multiValued: true,
        subAttributes: [
          { name: 'value', type: 'string', caseExact: true, mutability: 'immutable' },
          { name: 'display', type: 'string', mutability: 'readOnly' },
          { name: 'type', type: 'string', mutability: 'immutable' },
        ],
      },
    ],
  },
};

export function schemas(base: string): Array<Record<string, unknown>> {
  return Object.keys(SCHEMAS).map((id) => schema(base, id)!);
}

export function schema(base: string, id: string): Record<string, unknown> | undefined {
  const s = Object.hasOwn(SCHEMAS, id) ? SCHEMAS[id] : undefined;
  return (
    s && {
      schemas: [SCHEMA_SCHEMA],
      id,
      name: s.name,
      description: s.description,
      attributes: s.attributes.map(attribute),
      meta: { resourceType: 'Schema', location: `${base}/Schemas/${id}` },
    }
  );
}

/** A ListResponse (RFC 7644 §3.4.2): `startIndex` is 1-based. */
export function listResponse(resources: unknown[], totalResults: number, startIndex: number): Record<string, unknown> {
  return { schemas: [LIST_SCHEMA], totalResults, startIndex, itemsPerPage: resources.length, Resources: resources };
}
