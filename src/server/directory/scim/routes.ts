// /scim/v2 (RFC 7644): Users, Groups and the discovery endpoints, over the directory store. Who may
// call: an API key with the `scim` scope (DESIGN §6), checked on every request (a deleted key is
// refused from its next use). Every change goes through the store (one transaction, one audit row
// naming the key); every refused write leaves one audit row too (auditScimRefusals). Answers are
// application/scim+json; refusals use the SCIM error schema (errors.ts).
import { type Context, type Handler, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ServerContext } from '../../context';
import { type AuthFailures, authenticate, rateLimit } from '../../http/middleware';
import type { Env } from '../../http/request';
import { ownPipelineRoute, type RoutePolicy } from '../../http/route';
import { clientText, type RefusalTarget } from '../../http/refusals';
import { SCIM_PREFIX, SCIM_ROUTES } from '../../../api/scim-contract';
import type { RouteDef } from '../../../api/contract';
import {
  DirectoryError,
  type DirectoryActor,
  type DirectoryStore,
  type GroupFilterAttribute,
  type GroupRecord,
  type ListQuery,
  type Page,
  type PersonFilterAttribute,
  type PersonRecord,
} from '../store';
import { auditScimRefusals } from './audit';
import { badRequest, notFound, asScimError, ScimError, scimErrorResponse, scimJson } from './errors';
import { filterTerms } from './filter';
import { groupPlan, patchOperations, personPatch } from './patch';
import { groupInput, groupResource, personInput, userResource } from './resources';
import { listResponse, MAX_PAGE, resourceType, resourceTypes, schema, schemas, serviceProviderConfig } from './schemas';

export interface ScimOptions {
  directory: DirectoryStore;
  /** The failed-authentication brake shared with /v1 (a bad SCIM key counts like a bad token). */
  failures?: AuthFailures;
  /** Requests a minute one key may make (a provider's first sync of a large org is many thousands). */
  requestsPerMinute?: number;
  /** Largest body (bytes): a Group PUT can list thousands of members. */
  bodyLimitBytes?: number;
  log?: (message: string) => void;
}

/** Requests a minute one SCIM key may make by default (a provider's first sync of a large org). */
export const SCIM_REQUESTS_PER_MINUTE = 12_000;

/** Times a PATCH re-reads and re-applies when another writer changed the person in between. */
const PATCH_ATTEMPTS = 3;

// How a refused SCIM write names its target in the audit trail: the resource in the path, or the body's name.
const person = async (_s: ServerContext, p: Record<string, string>): Promise<RefusalTarget> => ({ ticket: null, resource: { type: 'person', id: p.id } });
const group = async (_s: ServerContext, p: Record<string, string>): Promise<RefusalTarget> => ({ ticket: null, resource: { type: 'group', id: p.id } });
const userNamed = async (_s: ServerContext, _p: Record<string, string>, b: Record<string, unknown>): Promise<RefusalTarget> => ({
  ticket: null,
  resource: { type: 'person', userName: clientText(b.userName) },
});
const groupNamed = async (_s: ServerContext, _p: Record<string, string>, b: Record<string, unknown>): Promise<RefusalTarget> => ({
  ticket: null,
  resource: { type: 'group', displayName: clientText(b.displayName) },
});

/** The SCIM service provider, to mount at `/scim/v2`. */
export function scimRoutes(s: ServerContext, opts: ScimOptions): Hono<Env> {
  const store = opts.directory;
  const log = opts.log ?? ((m: string) => console.error(m));
  const r = new Hono<Env>();
  // SCIM's own pipeline (the middlewares below), declared with how each write's refusal is named.
  const route = (def: RouteDef, handler: Handler<Env>, refusal?: RoutePolicy['refusal']) =>
    ownPipelineRoute(r, def, refusal ? { refusal } : {}, (c) => handler(c, async () => {}) as Response | Promise<Response>, SCIM_PREFIX);
  r.onError((err, c) => {
    const e = asScimError(err) ?? (err instanceof DirectoryError ? fromDirectory(err) : undefined);
    if (e) return scimErrorResponse(c, e);
    log(`unexpected error on ${c.req.method} ${c.req.path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return scimErrorResponse(c, new ScimError(500, 'Something went wrong on our side.'));
  });
  r.use('*', authenticate(s, opts.failures));
  r.use('*', auditScimRefusals(s));
  r.use('*', async (c, next) => {
    const caller = c.get('caller');
    if (caller.kind !== 'key') throw new ScimError(403, 'SCIM is called with an API key that has the scim scope, not a personal token or session.');
    if (!caller.key.scopes.includes('scim')) throw new ScimError(403, `This API key's scopes (${caller.key.scopes.join(', ')}) do not include scim.`);
    await next();
  });
  const limit = opts.bodyLimitBytes ?? 1024 * 1024;
  r.use(
    '*',
    bodyLimit({
      maxSize: limit,
      onError: () => {
        throw new ScimError(413, `Keep request bodies under ${limit} bytes.`);
      },
    }),
  );
  r.use('*', rateLimit(opts.requestsPerMinute ?? SCIM_REQUESTS_PER_MINUTE));

  route(SCIM_ROUTES.scimServiceProviderConfig, (c) => scimJson(serviceProviderConfig(baseOf(c))));
  route(SCIM_ROUTES.scimResourceTypes, (c) => {
    const all = resourceTypes(baseOf(c));
    return scimJson(listResponse(all, all.length, 1));
  });
  route(SCIM_ROUTES.scimResourceType, (c) => scimJson(resourceType(baseOf(c), idParam(c)) ?? throwing(notFound('Resource type'))));
  route(SCIM_ROUTES.scimSchemas, (c) => {
    const all = schemas(baseOf(c));
    return scimJson(listResponse(all, all.length, 1));
  });
  route(SCIM_ROUTES.scimSchema, (c) => scimJson(schema(baseOf(c), idParam(c)) ?? throwing(notFound('Schema'))));

  // ---- Users ----
  route(
    SCIM_ROUTES.scimCreateUser,
    async (c) => {
      const input = personInput(await scimBody(c));
      const person = await store.createPerson(actorOf(c), input, 'scim').catch((e: unknown) => {
        // RFC 7644 §3.3: a userName already taken is 409 uniqueness (the store matches the normalized email).
        throw e instanceof DirectoryError && e.code === 'conflict' && !e.attribute ? new ScimError(409, `A User with userName ${input.email} already exists.`, 'uniqueness') : e;
      });
      const body = userResource(person, baseOf(c));
      return scimJson(body, 201, { Location: (body.meta as { location: string }).location });
    },
    { action: 'directory.person_create', target: userNamed },
  );
  route(SCIM_ROUTES.scimUsers, async (c) => {
    const page = await findPeople(store, listQuery(c, 'User'));
    const base = baseOf(c);
    return scimJson(
      listResponse(
        page.items.map((p) => userResource(p, base)),
        page.total,
        startIndexOf(c),
      ),
    );
  });
  route(SCIM_ROUTES.scimUser, async (c) => {
    const p = await store.getPerson(idParam(c));
    if (!p) throw notFound('User');
    return scimJson(userResource(p, baseOf(c)));
  });
  route(
    SCIM_ROUTES.scimReplaceUser,
    async (c) => {
      const id = idParam(c);
      const input = personInput(await scimBody(c));
      const p = await store.replacePerson(actorOf(c), id, input);
      return scimJson(userResource(p, baseOf(c)));
    },
    { action: 'directory.person_update', target: person },
  );
  route(
    SCIM_ROUTES.scimPatchUser,
    async (c) => {
      const id = idParam(c);
      const ops = patchOperations(await scimBody(c));
      const base = baseOf(c);
      for (let attempt = 1; ; attempt++) {
        const current = await store.getPerson(id);
        if (!current) throw notFound('User');
        // A PATCH that changes nothing is still the provider pushing the person (the scim_not_synced
        // fix is "trigger a SCIM sync"): written all the same, so their lastSyncedAt is now.
        const change = personPatch(current, ops, base);
        try {
          return scimJson(userResource(await store.updatePerson(actorOf(c), id, change, current.version), base));
        } catch (e) {
          // Another writer moved the person between our read and write: apply the ops to what is there now.
          if (!(e instanceof DirectoryError && e.code === 'precondition') || attempt >= PATCH_ATTEMPTS) throw e;
        }
      }
    },
    { action: 'directory.person_update', target: person },
  );
  route(
    SCIM_ROUTES.scimDeleteUser,
    async (c) => {
      if (!(await store.deletePerson(actorOf(c), idParam(c)))) throw notFound('User');
      return c.body(null, 204);
    },
    { action: 'directory.person_delete', target: person },
  );

  // ---- Groups ----
  route(
    SCIM_ROUTES.scimCreateGroup,
    async (c) => {
      const input = groupInput(await scimBody(c));
      const g = await store.createGroup(actorOf(c), input, 'scim').catch((e: unknown) => {
        throw e instanceof DirectoryError && e.code === 'conflict' && !e.attribute ? new ScimError(409, `A Group named ${input.name} already exists.`, 'uniqueness') : e;
      });
      const body = groupResource(g, baseOf(c), true);
      return scimJson(body, 201, { Location: (body.meta as { location: string }).location });
    },
    { action: 'directory.group_create', target: groupNamed },
  );
  route(SCIM_ROUTES.scimGroups, async (c) => {
    const withMembers = membersWanted(c);
    const query = listQuery(c, 'Group');
    const page = await exactly<GroupFilterAttribute, GroupRecord>(
      query,
      (g) => ({ externalId: g.externalId, id: g.id }),
      (q) => store.listGroups(q, { members: withMembers }),
    );
    const base = baseOf(c);
    return scimJson(
      listResponse(
        page.items.map((g) => groupResource(g, base, withMembers)),
        page.total,
        startIndexOf(c),
      ),
    );
  });
  route(SCIM_ROUTES.scimGroup, async (c) => {
    const withMembers = membersWanted(c);
    const g = await store.getGroup(idParam(c), { members: withMembers });
    if (!g) throw notFound('Group');
    return scimJson(groupResource(g, baseOf(c), withMembers));
  });
  route(
    SCIM_ROUTES.scimReplaceGroup,
    async (c) => {
      const g = await store.replaceGroup(actorOf(c), idParam(c), groupInput(await scimBody(c)));
      return scimJson(groupResource(g, baseOf(c), true));
    },
    { action: 'directory.group_update', target: group },
  );
  route(
    SCIM_ROUTES.scimPatchGroup,
    async (c) => {
      const id = idParam(c);
      const plan = groupPlan(id, patchOperations(await scimBody(c)));
      const actor = actorOf(c);
      if (!(await store.getGroup(id, { members: false }))) throw notFound('Group');
      if (plan.name !== undefined || plan.externalId !== undefined)
        await store.updateGroup(actor, id, { ...(plan.name !== undefined ? { name: plan.name } : {}), ...(plan.externalId !== undefined ? { externalId: plan.externalId } : {}) });
      if (plan.replaceMembers) await store.replaceMembers(actor, id, plan.replaceMembers);
      if (plan.add.length > 0) await store.addMembers(actor, id, plan.add);
      if (plan.remove.length > 0) await store.removeMembers(actor, id, plan.remove);
      // RFC 7644 §3.5.2: 204 when the provider does not ask for the resource back (Okta and Entra do not).
      if (!c.req.query('attributes')) return c.body(null, 204);
      const g = await store.getGroup(id, { members: true });
      return scimJson(groupResource(g!, baseOf(c), true));
    },
    { action: 'directory.group_update', target: group },
  );
  route(
    SCIM_ROUTES.scimDeleteGroup,
    async (c) => {
      if (!(await store.deleteGroup(actorOf(c), idParam(c)))) throw notFound('Group');
      return c.body(null, 204);
    },
    { action: 'directory.group_delete', target: group },
  );

  r.all('*', (c) => {
    throw new ScimError(404, `No SCIM endpoint ${c.req.method} ${c.req.path}.`);
  });
  return r;
}

/** The `{id}` of the path (a resource's id, a schema's URN). */
function idParam(c: Context<Env>): string {
  const v = c.req.param('id');
  if (!v || v.length > 300) throw new ScimError(404, 'No such resource.');
  return v;
}

const throwing = (e: ScimError): never => {
  throw e;
};

/** The absolute `/scim/v2` URL this request came in on (for meta.location and Location). */
function baseOf(c: Context<Env>): string {
  const u = new URL(c.req.url);
  const at = u.pathname.indexOf('/scim/v2');
  return `${u.origin}${at === -1 ? '' : u.pathname.slice(0, at)}/scim/v2`;
}

function actorOf(c: Context<Env>): DirectoryActor {
  const caller = c.get('caller');
  if (caller.kind !== 'key') throw new ScimError(403, 'SCIM is called with an API key.');
  return { kind: 'key', id: caller.key.id, name: caller.key.name };
}

/** The body as JSON: SCIM clients send application/scim+json, many send application/json. */
async function scimBody(c: Context<Env>): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  const text = await c.req.text();
  c.set('rawBody', text);
  if (text.trim() === '') throw badRequest('The request needs a JSON body.', 'invalidSyntax');
  if (!/^application\/(scim\+)?json\b/i.test(type.trim())) throw new ScimError(415, 'Send the body as application/scim+json (or application/json).');
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('The body is not valid JSON.', 'invalidSyntax');
  }
}

function fromDirectory(e: DirectoryError): ScimError {
  switch (e.code) {
    case 'conflict':
      return new ScimError(409, e.message, 'uniqueness');
    case 'not_found':
      return new ScimError(404, e.message);
    case 'precondition':
      return new ScimError(412, e.message);
    default:
      return badRequest(e.message);
  }
}

/** `startIndex` (1-based; below 1 is read as 1, RFC 7644 §3.4.2.4). */
function startIndexOf(c: Context<Env>): number {
  return Math.max(1, wholeParam(c, 'startIndex') ?? 1);
}

function wholeParam(c: Context<Env>, name: string): number | undefined {
  const v = c.req.query(name);
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d{1,9}$/.test(v.trim())) throw badRequest(`${name} must be a whole number, not ${JSON.stringify(v.slice(0, 50))}.`);
  return Number(v.trim());
}

function listQuery(c: Context<Env>, kind: 'User'): ListQuery<PersonFilterAttribute>;
function listQuery(c: Context<Env>, kind: 'Group'): ListQuery<GroupFilterAttribute>;
function listQuery(c: Context<Env>, kind: 'User' | 'Group'): ListQuery<PersonFilterAttribute> | ListQuery<GroupFilterAttribute> {
  const text = c.req.query('filter');
  // count: negative is read as 0 (only the total); above MAX_PAGE is capped (RFC 7644 §3.4.2.4).
  const count = Math.min(MAX_PAGE, Math.max(0, wholeParam(c, 'count') ?? MAX_PAGE));
  const none = text === undefined || text.trim() === '';
  const startIndex = startIndexOf(c);
  return kind === 'User' ? { filter: none ? [] : filterTerms('User', text), startIndex, count } : { filter: none ? [] : filterTerms('Group', text), startIndex, count };
}

/**
 * People matching a query. The lookup providers make before every create (`userName eq` alone, or
 * `id eq`) is answered by one indexed read rather than a filtered scan; the rest by the store.
 */
async function findPeople(store: DirectoryStore, query: ListQuery<PersonFilterAttribute>): Promise<Page<PersonRecord>> {
  const [only, ...more] = query.filter;
  if (only && more.length === 0 && only.op === 'eq' && (only.attribute === 'userName' || only.attribute === 'emails.value' || only.attribute === 'id')) {
    const p = only.attribute === 'id' ? await store.getPerson(only.value) : await store.findPersonByEmail(only.value);
    const all = p ? [p] : [];
    return { total: all.length, items: all.slice(query.startIndex - 1, query.startIndex - 1 + query.count) };
  }
  return exactly(
    query,
    (p) => ({ externalId: p.externalId, id: p.id }),
    (q) => store.listPeople(q),
  );
}

/**
 * RFC 7643 makes `id` and `externalId` case-exact, while the store compares every attribute
 * case-insensitively: a provider's ids (Okta's `00uAbC…`) may differ only in case, and its lookup
 * must never find the other person. With an `eq` on either, the (few) candidates are read whole and
 * compared exactly before paging; otherwise the store pages.
 */
async function exactly<A extends string, T>(query: ListQuery<A>, fields: (t: T) => { externalId: string | null; id: string }, list: (q: ListQuery<A>) => Promise<Page<T>>): Promise<Page<T>> {
  const exact = query.filter.filter((t) => t.op === 'eq' && (t.attribute === 'externalId' || t.attribute === 'id'));
  if (exact.length === 0) return list(query);
  const candidates = await list({ ...query, startIndex: 1, count: MAX_CANDIDATES });
  const all = candidates.items.filter((item) => exact.every((t) => fields(item)[t.attribute as 'externalId' | 'id'] === t.value));
  return { total: all.length, items: all.slice(query.startIndex - 1, query.startIndex - 1 + query.count) };
}

/** Most candidates read for a case-exact `eq` (ids are unique; ids differing only in case are few). */
const MAX_CANDIDATES = 1000;

/** Does the request want members (RFC 7644 §3.4.2.5: `excludedAttributes=members`, or `attributes` without members)? */
function membersWanted(c: Context<Env>): boolean {
  const names = (q: string | undefined) =>
    (q ?? '').split(',').map((a) =>
      a
        .trim()
        .toLowerCase()
        .replace(/^urn:ietf:params:scim:schemas:core:2\.0:group:/, ''),
    );
  if (names(c.req.query('excludedAttributes')).includes('members')) return false;
  const only = c.req.query('attributes');
  return only === undefined || only.trim() === '' || names(only).some((a) => a === 'members' || a.startsWith('members.'));
}
