// Machine callers' API keys (DESIGN §6), for org admins: make one (its secret shown once), list
// them without secrets, delete one. Each change and its audit row commit together.
import { Hono } from 'hono';
import type { ApiKeyWire } from '../../api/api-key-schemas';
import { ROUTES } from '../../api/contract';
import { countApiKeys, deleteApiKeyRow, insertApiKey, listApiKeys, newSecret, type ApiKeyRecord } from './api-keys';
import { API_KEYS_MAX } from '../../api/vocabulary';
import type { ServerContext } from '../context';
import type { Env } from '../http/request';
import { clientText, type RefusalName } from '../http/refusals';
import { route, WHO } from '../http/route';
import { problem } from '../http/problems';
import { newId } from '../grants/repository';
import { isOrgAdmin } from '../grants/views';

/** Org admins only: the routes' `who`. */
const orgAdmins = WHO.when(isOrgAdmin, 'API keys are made, listed and deleted by org admins.');

/** Handlers use the context the pipeline hands them; `s` here only names keys' people. */
export function apiKeyRoutes(s: ServerContext): Hono<Env> {
  const r = new Hono<Env>();
  const engineerName = (id: string | null) => (id ? (s.ix.engineersById.get(id)?.name ?? s.ix.engineersById.get(id)?.email ?? id) : null);
  const wire = (k: ApiKeyRecord): ApiKeyWire => ({
    id: k.id,
    name: k.name,
    scopes: k.scopes,
    engineer: k.engineer,
    engineerName: engineerName(k.engineer),
    createdAt: k.createdAt,
    createdBy: k.createdBy,
    createdByName: s.ix.usersById.get(k.createdBy)?.name ?? k.createdBy,
    expiresAt: k.expiresAt,
    lastUsedAt: k.lastUsedAt,
  });

  // A new key's answer holds its secret, which must never be stored: Idempotency-Key is ignored.
  const creation: RefusalName = { action: 'api_key.create', target: async (_s, _p, b) => ({ ticket: null, resource: { type: 'api_key', name: clientText(b.name) } }) };
  route(r, ROUTES.createApiKey, { who: orgAdmins, replay: 'never', refusal: creation }, async (c, { s, caller, body }) => {
    const at = s.now();
    const wantsEngineer = body.scopes.includes('access_check');
    if (wantsEngineer && !body.engineer) throw problem('request-refused', 'An access_check key checks as one Support engineer: name them in "engineer".', { code: 'engineer_required' });
    if (!wantsEngineer && body.engineer !== undefined)
      throw problem('request-refused', 'Only an access_check key checks as an engineer: leave "engineer" out, or add the access_check scope.', { code: 'engineer_without_access_check' });
    if (body.engineer !== undefined && !s.ix.engineersById.has(body.engineer)) throw problem('request-refused', `No Support engineer "${body.engineer}".`, { code: 'unknown_engineer' });
    const expiresAt = body.expiresAt === undefined ? null : new Date(body.expiresAt).toISOString();
    if (expiresAt !== null && Date.parse(expiresAt) <= Date.parse(at)) throw problem('request-refused', `expiresAt (${body.expiresAt}) must lie in the future.`, { code: 'expiry_in_past' });
    const key: Omit<ApiKeyRecord, 'lastUsedAt'> = { id: newId('key'), name: body.name, scopes: body.scopes, engineer: body.engineer ?? null, createdAt: at, createdBy: caller.id, expiresAt };
    const secret = newSecret();
    await s.db.transaction(async (tx) => {
      if ((await countApiKeys(tx)) >= API_KEYS_MAX) throw problem('request-refused', `This org already has ${API_KEYS_MAX} API keys: delete unused ones first.`, { code: 'too_many_keys' });
      await insertApiKey(tx, key, secret);
      // Never the secret: the row names the key and what it may do.
      await s.trail.append(
        tx,
        {
          actor: caller.id,
          actorKind: 'admin',
          action: 'api_key.create',
          resource: { type: 'api_key', id: key.id, name: key.name },
          outcome: 'done',
          detail: { scopes: key.scopes, engineer: key.engineer, expiresAt },
        },
        at,
      );
    });
    c.header('Location', `/v1/api-keys/${key.id}`);
    // The secret is in this answer only: no cache may keep it.
    c.header('Cache-Control', 'no-store');
    return c.json({ ...wire({ ...key, lastUsedAt: null }), secret }, 201);
  });

  route(r, ROUTES.apiKeys, { who: orgAdmins }, async (c, { s }) => {
    const engineers = s.ix.world.engineers.map((e) => ({ id: e.id, name: e.name ?? e.email, email: e.email }));
    return c.json({ keys: (await listApiKeys(s.db)).map(wire), engineers });
  });

  const deletion: RefusalName = { action: 'api_key.delete', target: async (_s, p) => ({ ticket: null, resource: { type: 'api_key', id: p.id } }) };
  route(r, ROUTES.deleteApiKey, { who: orgAdmins, refusal: deletion }, async (c, { s, caller, params }) => {
    const id = params.id;
    const at = s.now();
    await s.db.transaction(async (tx) => {
      const gone = await deleteApiKeyRow(tx, id);
      if (!gone) throw problem('not-found', `No API key "${id}".`);
      await s.trail.append(
        tx,
        {
          actor: caller.id,
          actorKind: 'admin',
          action: 'api_key.delete',
          resource: { type: 'api_key', id, name: gone.name },
          outcome: 'done',
          detail: { scopes: gone.scopes, engineer: gone.engineer },
        },
        at,
      );
    });
    return c.body(null, 204);
  });

  return r;
}
