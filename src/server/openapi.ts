// The OpenAPI document, generated from the API's contract (src/api/contract.ts): the same route
// definitions the server registers and the extension's client calls.
import { z } from 'zod';
import * as W from '../api/schemas';
import { header, PUBLIC_PATHS, ROUTES, type Param } from '../api/contract';
import { SCIM_ROUTES } from '../api/scim-contract';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
const paramSchema = (p: Param) => (p.schema instanceof z.ZodType ? schema(p.schema) : p.schema);

/** Every POST may carry one: a retry with the same key and request gets the first answer. */
const IDEMPOTENCY_KEY = header(
  'Idempotency-Key',
  'Up to 200 visible ASCII characters; a retry with the same key and request (method, path, body, If-Match, content type) replays the first answer, another request is 422. 409, 412 and 428 answers are not kept: the key runs again once the precondition is fixed',
);
/** The enforcement point decides every call anew: a replayed answer could outlive a revoke. */
const NOT_REPLAYED = header('Idempotency-Key', 'Ignored: every check is decided on current state and audited');
/** A stored answer would be a copy of the new key's secret. */
const SECRET_NOT_KEPT = header('Idempotency-Key', "Ignored: the answer holds the key's secret, which is never stored; a retry makes a second key (list and delete the first)");

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const problem = { description: 'Problem', content: { 'application/problem+json': { schema: schema(W.Problem) } } };
  for (const [operationId, { method, path, summary, body, status, ok, params: extra }] of Object.entries(ROUTES)) {
    const params: Array<Record<string, unknown>> = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    params.push(...extra.map((p) => ({ ...p, schema: paramSchema(p), required: p.required ?? false })));
    if (method === 'post') params.push({ ...(path === ROUTES.checkAccess.path ? NOT_REPLAYED : path === ROUTES.createApiKey.path ? SECRET_NOT_KEPT : IDEMPOTENCY_KEY), required: false });
    const sse = path.endsWith('/stream') || path === '/v1/events';
    paths[path] ??= {};
    paths[path][method] = {
      operationId,
      summary,
      ...(params.length ? { parameters: params } : {}),
      ...(PUBLIC_PATHS.has(path) ? { security: [] } : {}),
      ...(body ? { requestBody: { required: false, content: { 'application/json': { schema: schema(body) } } } } : {}),
      responses: {
        [status]: {
          description: status === 204 ? 'Done (no content)' : 'OK',
          ...(ok ? { content: { 'application/json': { schema: schema(ok) } } } : sse ? { content: { 'text/event-stream': {} } } : {}),
        },
        '4XX': problem,
        '5XX': problem,
      },
    };
  }
  // SCIM (RFC 7644): resources and errors in SCIM's own JSON (application/scim+json), described by
  // the service provider's /scim/v2/Schemas; no Idempotency-Key (providers retry by looking up).
  const scimError = {
    description: 'SCIM error (RFC 7644 §3.12)',
    content: {
      'application/scim+json': {
        schema: {
          type: 'object',
          required: ['schemas', 'status'],
          properties: { schemas: { type: 'array', items: { type: 'string' } }, status: { type: 'string' }, scimType: { type: 'string' }, detail: { type: 'string' } },
        },
      },
    },
  };
  const scimResource = { 'application/scim+json': { schema: { type: 'object', description: 'A SCIM resource or ListResponse (see /scim/v2/Schemas)' } } };
  for (const [operationId, { method, path, summary, status, params: extra }] of Object.entries(SCIM_ROUTES)) {
    const params: Array<Record<string, unknown>> = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    params.push(...extra.map((p) => ({ ...p, schema: paramSchema(p), required: p.required ?? false })));
    paths[path] ??= {};
    paths[path][method] = {
      operationId,
      summary,
      ...(params.length ? { parameters: params } : {}),
      ...(method === 'post' || method === 'put' || method === 'patch' ? { requestBody: { required: true, content: scimResource } } : {}),
      responses: { [status]: { description: status === 204 ? 'Done (no content)' : 'OK', ...(status === 204 ? {} : { content: scimResource }) }, '4XX': scimError, '5XX': scimError },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Access Companion — Access API', version: '0.1.0' },
    // Relative: the document is served by the API it describes, at whatever address it is reached.
    servers: [{ url: '/', description: 'The Access API serving this document' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
