// Machine callers' API keys (DESIGN §6), for org admins: make one (its secret shown once), list
// them without secrets, delete one. Each change and its audit row commit together.
import { Hono } from 'hono';
import type { ApiKeyWire } from '../../api/api-key-schemas';
import { ROUTES } from '../../api/contract';
import { appendAudit } from '../audit';
import { countApiKeys, deleteApiKeyRow, insertApiKey, listApiKeys, newSecret, type ApiKeyRecord } from '../api-keys';
import { API_KEYS_MAX } from '../../api/vocabulary';
import type { ServerContext } from '../context';
import { callerOf, jsonBody, on, pathParam, type Env } from '../http';
import { problem } from '../problems';
import { newId } from '../store';
import { isOrgAdmin } from '../views';

export function apiKeyRoutes(s: ServerContext): Hono<Env> {
  const r = new Hono<Env>();
  const orgAdmin = (c: Parameters<typeof callerOf>[0]) => {
    const caller = callerOf(c);
    if (!isOrgAdmin(s, caller)) throw problem('forbidden', 'API keys are made, listed and deleted by org admins.');
    return caller;
  };
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

  on(r, ROUTES.createApiKey, async (c) => {
    const caller = orgAdmin(c);
    const body = await jsonBody(c, ROUTES.createApiKey.body);
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
      await appendAudit(
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

  on(r, ROUTES.apiKeys, async (c) => {
    orgAdmin(c);
    const engineers = s.ix.world.engineers.map((e) => ({ id: e.id, name: e.name ?? e.email, email: e.email }));
    return c.json({ keys: (await listApiKeys(s.db)).map(wire), engineers });
  });

  on(r, ROUTES.deleteApiKey, async (c) => {
    const caller = orgAdmin(c);
    const id = pathParam(c, 'id');
    const at = s.now();
    await s.db.transaction(async (tx) => {
      const gone = await deleteApiKeyRow(tx, id);
      if (!gone) throw problem('not-found', `No API key "${id}".`);
      await appendAudit(
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
