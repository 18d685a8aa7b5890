// The Access API as a Hono app: createApp({ world, db }) wires the routes over one database.
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { indexWorld, isInEffect, parseWorld, type World } from '../core/index';
import { forgetPlaintextTokens, TokenBook } from './auth';
import { listAudit, type AuditRecord } from './audit';
import { Checkpointer } from './audit-checkpointer';
import { listCheckpoints, type Checkpoint, type SigningKey } from './audit-checkpoints';
import type { ServerContext } from './context';
import { extensionOrigins } from './cors';
import { DbUnavailable, StorageUnavailable, type Db } from './db/index';
import { eventTail, Tail } from './events';
import { StreamBudget } from './streams';
import type { Env } from './http';
import { authenticate, expireIdempotencyKeys, idempotency, rateLimit, type IdempotencyBounds } from './middleware';
import { openApiDocument } from './openapi';
import { HttpProblem, asProblem, problemResponse } from './problems';
import { auditRefusals } from './refusals';
import { accessRequestRoutes } from './routes/access-requests';
import { changeRequestRoutes } from './routes/change-requests';
import { seedChangeRequests } from './changes-service';
import { auditRoutes } from './routes/audit';
import { publicAuthRoutes, sessionRoutes } from './routes/auth';
import { expireSessions, MAX_SESSION_MS } from './sessions';
import { auditTrailRoutes } from './routes/audit-trail';
import { apiKeyRoutes } from './routes/api-keys';
import { enforceKeyScopes } from './api-keys';
import { eventRoutes } from './routes/events';
import { meRoutes } from './routes/me';
import { requesterRoutes } from './routes/requester';
import { ticketRoutes } from './routes/tickets';
import { seedSupportRequests } from './store';
import { FailedAuthThrottle, FixedWindowLimiter, TrustedProxies } from './throttle';
import { backfillAccessRequestKeys, seedAccessRequests } from './access-requests-store';

export interface AppOptions {
  /** The world file's contents (validated here) or an already parsed world. */
  world: World | unknown;
  db: Db;
  rateLimitPerMinute?: number;
  /** Failed authentications per minute a client address (or one token, or one token prefix) may cause before its bad tokens get 429. */
  authFailuresPerMinute?: number;
  /**
   * Extensions (besides the demo build) whose pages may read answers (CORS): Chrome ids or
   * chrome-extension:// / moz-extension:// origins (see cors.ts).
   */
  extensionIds?: readonly string[];
  /** Proxies (addresses or CIDR ranges) whose X-Forwarded-For names the client; nobody's by default. */
  trustProxy?: readonly string[];
  /** Asks to another admin one admin may send per hour. */
  asksPerHour?: number;
  bodyLimitBytes?: number;
  now?: () => string;
  /** How long an Idempotency-Key is kept (ms, default a day: retries come within minutes). */
  idempotencyTtlMs?: number;
  /** How often expired Idempotency-Key rows are deleted while the process runs (ms, default an hour). */
  idempotencySweepMs?: number;
  /** Idempotency-Key entries one token may hold, and run at once (default IDEMPOTENCY_BOUNDS). */
  idempotencyBounds?: IdempotencyBounds;
  /** Where unexpected errors are reported (never to the client). */
  log?: (message: string) => void;
  /** How long an API session made from an ID token lasts (ms, default and at most an hour). */
  sessionTtlMs?: number;
  /** How the API fetches the identity provider's discovery document and keys (tests). */
  identityFetch?: typeof fetch;
  /**
   * Concurrent event streams (/v1/events, /v1/audit/stream) allowed in the whole process, per token
   * and per person (defaults: 256, STREAMS_PER_TOKEN, STREAMS_PER_PERSON). main.ts derives `max`
   * from the process's open-file limit.
   */
  streams?: { max?: number; perToken?: number; perPerson?: number };
  /** Sign the audit chain head with this key every `intervalMs` (default 60 s) and at close. */
  auditSigning?: { key: SigningKey; intervalMs?: number };
}

/** Event streams one process holds at most when no budget is given (main.ts sizes it from the open-file limit). */
export const DEFAULT_MAX_STREAMS = 256;

export interface AccessApp {
  app: Hono<Env>;
  ctx: ServerContext;
  close(): Promise<void>;
}

export async function createApp(opts: AppOptions): Promise<AccessApp> {
  const rateLimitPerMinute = positiveWhole('rateLimitPerMinute', opts.rateLimitPerMinute ?? 600);
  const authFailuresPerMinute = positiveWhole('authFailuresPerMinute', opts.authFailuresPerMinute ?? 20);
  const asksPerHour = positiveWhole('asksPerHour', opts.asksPerHour ?? 30);
  const proxies = new TrustedProxies(opts.trustProxy ?? []);
  const origins = extensionOrigins(opts.extensionIds);
  const world = parseWorld(opts.world);
  const ix = indexWorld(world);
  const db = opts.db;
  const log = opts.log ?? ((m: string) => console.error(m));
  const now = opts.now ?? (() => new Date().toISOString());
  await db.transaction((tx) => seedSupportRequests(tx, ix, now()));
  await backfillAccessRequestKeys(db, ix);
  await seedAccessRequests(db, ix, now());
  await seedChangeRequests(db, ix, now());
  // Idempotency keys protect retries, which come within minutes; a day is plenty.
  await db.query('DELETE FROM idempotency WHERE created_at < $1', [Date.now() - 86_400_000]);
  const idempotencyTtlMs = positiveWhole('idempotencyTtlMs', opts.idempotencyTtlMs ?? 86_400_000);
  const idempotencySweepMs = positiveWhole('idempotencySweepMs', opts.idempotencySweepMs ?? 3_600_000);
  await expireIdempotencyKeys({ db }, idempotencyTtlMs);
  const auditTail = new Tail<AuditRecord & { id: number }>(db, 'ac_audit', 'SELECT max(seq) AS max FROM audit', async (q, after) =>
    (await listAudit(q, { after, limit: 500, order: 'asc' })).map((r) => ({ ...r, id: r.seq })),
  );
  const checkpointTail = new Tail<Checkpoint & { id: number }>(db, 'ac_audit_checkpoint', 'SELECT max(seq) AS max FROM audit_checkpoints', async (q, after) =>
    (await listCheckpoints(q, after, 500)).map((c) => ({ ...c, id: c.seq })),
  );
  const signing = opts.auditSigning;
  if (signing && !(Number.isInteger(signing.intervalMs ?? 60_000) && (signing.intervalMs ?? 60_000) >= 1))
    throw new Error(`the checkpoint interval must be a whole number of milliseconds, not ${signing.intervalMs}.`);
  const s: ServerContext = {
    ix,
    db,
    tokens: new TokenBook(ix),
    guardAdmins: world.roles.filter((r) => r.role === 'guard_admin' && isInEffect(r)).map((r) => r.user),
    events: eventTail(db),
    auditTail,
    checkpointTail,
    checkpointer: signing ? new Checkpointer(db, signing.key, world.organization.id, signing.intervalMs ?? 60_000, now, log) : undefined,
    streams: new StreamBudget(opts.streams?.max ?? DEFAULT_MAX_STREAMS, opts.streams?.perToken, opts.streams?.perPerson),
    now,
  };
  forgetPlaintextTokens(world);
  await s.events.start();
  await auditTail.start();
  await checkpointTail.start();
  s.checkpointer?.start();
  // Keys expire while the process runs, not only at the next start (a long-lived API would grow).
  const sweeper = setInterval(() => {
    expireIdempotencyKeys(s, idempotencyTtlMs).catch((e: unknown) => log(`idempotency sweep failed: ${e instanceof Error ? e.message : String(e)}`));
    expireSessions(s, 86_400_000).catch((e: unknown) => log(`session sweep failed: ${e instanceof Error ? e.message : String(e)}`));
  }, idempotencySweepMs);
  sweeper.unref();

  const app = new Hono<Env>();
  app.onError((err, c) => {
    const refusal = asProblem(err);
    if (refusal) return problemResponse(c, refusal);
    if (err instanceof StorageUnavailable) return problemResponse(c, storageProblem(err));
    if (err instanceof DbUnavailable) {
      return problemResponse(c, new HttpProblem('db-unavailable', 'The database is unavailable; retry shortly.', {}, 503, { 'Retry-After': '1' }));
    }
    // PostgreSQL data exceptions (class 22: a NUL byte, an out-of-range number) are bad input.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('22')) return problemResponse(c, new HttpProblem('bad-request', 'The request contains a value the store cannot hold.'));
    log(`unexpected error on ${c.req.method} ${c.req.path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return problemResponse(c, new HttpProblem('internal'));
  });
  app.notFound((c) => {
    const allow = allowedMethods(app, c.req.path);
    if (allow.length === 0) return problemResponse(c, new HttpProblem('not-found', 'No such route.'));
    return problemResponse(c, new HttpProblem('method-not-allowed', `${c.req.method} is not allowed on ${c.req.path}; use ${allow.join(', ')}.`, {}, 405, { Allow: allow.join(', ') }));
  });

  // Every answer: no MIME sniffing (a problem or JSON body is never run as a script or page), and
  // nothing a caller identified by token reads is stored by a browser or proxy cache (the
  // extension keeps its own copy and ETag, so If-None-Match still saves the body).
  app.use('*', async (c, next) => {
    await next();
    c.res.headers.set('X-Content-Type-Options', 'nosniff');
    if (c.get('caller')) c.res.headers.set('Cache-Control', 'no-store');
  });
  app.use(
    '*',
    cors({
      origin: (origin) => (origins.has(origin) ? origin : null),
      allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match', 'If-None-Match', 'Last-Event-ID'],
      exposeHeaders: ['ETag', 'Location', 'Retry-After', 'Idempotent-Replayed'],
      maxAge: 600,
    }),
  );
  // Unauthenticated, so it says whether writes are kept, never where or why in detail.
  app.get('/healthz', (c) =>
    c.json({ ok: !db.storageFailure, db: db.kind, durable: db.durability.durable, ...(db.storageFailure ? { storage: db.storageFailure } : {}) }, db.storageFailure ? 503 : 200),
  );
  app.get('/openapi.json', (c) => c.json(openApiDocument()));

  const limit = opts.bodyLimitBytes ?? 64 * 1024;
  // Who is calling comes first, so that whatever a later layer refuses (a body too large, a bad
  // Idempotency-Key) is recorded against the caller by the outer refusal mount; route refusals are
  // recorded by the inner one, inside the idempotency journal (refusals.ts).
  const failures = { throttle: new FailedAuthThrottle(authFailuresPerMinute), proxies };
  // Sign-in is answered without an API credential (it is how one is made), under the same brake.
  app.route('/v1', publicAuthRoutes(s, { failures, sessionTtlMs: positiveWhole('sessionTtlMs', Math.min(opts.sessionTtlMs ?? MAX_SESSION_MS, MAX_SESSION_MS)), log, fetch: opts.identityFetch }));
  app.use('/v1/*', authenticate(s, failures));
  app.use('/v1/*', auditRefusals(s));
  app.use('/v1/*', enforceKeyScopes(s));
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: limit,
      onError: () => {
        throw new HttpProblem('payload-too-large', `Keep request bodies under ${limit} bytes.`);
      },
    }),
  );
  app.use('/v1/*', rateLimit(rateLimitPerMinute));
  app.use('/v1/*', idempotency(s, opts.idempotencyBounds));
  app.use('/v1/*', auditRefusals(s));
  app.route('/v1', ticketRoutes(s, { asks: new FixedWindowLimiter(asksPerHour, 3_600_000) }));
  app.route('/v1', requesterRoutes(s));
  app.route('/v1', meRoutes(s));
  app.route('/v1', accessRequestRoutes(s));
  app.route('/v1', changeRequestRoutes(s));
  app.route('/v1', auditRoutes(s));
  app.route('/v1', eventRoutes(s));
  app.route('/v1', auditTrailRoutes(s));
  app.route('/v1', sessionRoutes(s));
  app.route('/v1', apiKeyRoutes(s));

  return {
    app,
    ctx: s,
    close: async () => {
      // The last head is signed before the tails stop, so a clean shutdown leaves nothing unsigned.
      await s.checkpointer?.stop();
      await checkpointTail.stop();
      clearInterval(sweeper);
      await s.events.stop();
      await auditTail.stop();
    },
  };
}

/** The 503 for a storage failure: what failed, and whether this request may have been kept. */
function storageProblem(e: StorageUnavailable): HttpProblem {
  const detail = e.fenced
    ? `${e.message}. What it wrote since its last good sync may be lost, so it accepts nothing more until it is restarted on working storage; whether this request was kept is not known: retry it with the same Idempotency-Key after the restart.`
    : `${e.message}. Nothing of this request was kept; retry once the storage has room.`;
  return new HttpProblem('storage-unavailable', detail, {}, 503, e.fenced ? {} : { 'Retry-After': '30' });
}

function positiveWhole(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of at least 1, not ${n}.`);
  return n;
}

const routePatterns = new WeakMap<Hono<Env>, Array<{ method: string; pattern: RegExp }>>();

/**
 * Methods the app answers on this path (for 405 and its Allow header), matched as strictly as the
 * router: a trailing-slash variant is no route (404), never a 405 that names the refused method.
 * HEAD comes with GET.
 */
function allowedMethods(app: Hono<Env>, path: string): string[] {
  let table = routePatterns.get(app);
  if (!table) {
    table = app.routes.filter((r) => r.method !== 'ALL').map((r) => ({ method: r.method, pattern: new RegExp(`^${r.path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+')}$`) }));
    routePatterns.set(app, table);
  }
  const methods = new Set(table.filter((r) => r.pattern.test(path)).map((r) => r.method));
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods];
}
