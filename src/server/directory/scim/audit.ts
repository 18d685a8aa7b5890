// Every refused SCIM write is on record (the team's rule: one audit row per refusal), named as the
// change it would have been (the refusal declared with each route in routes.ts) and attributed to
// the key; a write to an endpoint SCIM does not have is `request.refused` with its method and path.
// Reads are not recorded, nor 401s (no caller to charge: the failed-authentication brake counts
// them) and 429s (volume, not a request).
import type { MiddlewareHandler } from 'hono';
import type { ServerContext } from '../../context';
import type { Env } from '../../http/request';
import { auditUnroutedWrite, recordRefusal } from '../../http/refusals';
import { declarationOf } from '../../http/route';
import { asScimError } from './errors';

export function auditScimRefusals(s: ServerContext): MiddlewareHandler<Env> {
  return async (c, next) => {
    await next();
    const status = c.res.status;
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || status < 400 || status >= 500 || status === 401 || status === 429) return;
    const caller = c.get('caller');
    const route = declarationOf(c);
    const e = asScimError(c.error);
    if (!caller) return;
    // No such endpoint: attempted all the same, on record as /v1's unrouted writes are (the method and path, never the body).
    if (!route) return auditUnroutedWrite(c, s, { status, kind: e?.scimType ?? `scim-${status}`, detail: e?.detail });
    const detail =
      e?.detail ??
      (
        (await c.res
          .clone()
          .json()
          .catch(() => ({}))) as { detail?: string }
      ).detail;
    const name = route.declared.policy.refusal ?? { action: 'request.refused' as const };
    const body = status === 413 ? {} : await bodyObject(c);
    const action = typeof name.action === 'function' ? name.action(body) : name.action;
    const target = name.target ? await name.target(s, route.params, body) : { ticket: null, resource: null };
    await recordRefusal(s, caller, action, target, { status, kind: e?.scimType ?? `scim-${status}`, detail });
  };
}

/** The request body as an object, if it was one (the route read it first). */
async function bodyObject(c: Parameters<MiddlewareHandler<Env>>[0]): Promise<Record<string, unknown>> {
  try {
    const v: unknown = JSON.parse(c.get('rawBody') ?? (await c.req.text()));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
