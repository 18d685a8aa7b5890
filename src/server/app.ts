// The Access API as a Hono app: createApp({ world, db }) wires the routes over one database.
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { indexWorld, parseWorld, type World } from '../core/index';
import { DirectoryCache, guardAdminsOf } from './directory/cache';
import { DirectoryService } from './directory/service';
import { openDirectory, type DirectoryStart } from './directory/world-import';
import { directoryRoutes, vendorRoutes } from './directory/routes';
import { SCIM_REQUESTS_PER_MINUTE, scimRoutes } from './directory/scim/routes';
import { directorySiteRoutes } from './directory/sites-routes';
import { forgetPlaintextTokens, TokenBook } from './http/auth';
import { AuditTrail, listAudit, listSignedHeads, TrailTampered, type AuditRecord } from './audit/trail';
import { checkpointOf, ephemeralSigningKey, type Checkpoint, type SigningKey } from './audit/checkpoints';
import type { ServerContext } from './context';
import { AccessCheckBatcher } from './grants/access-check';
import { guardDecidersOf } from './grants/views';
import { extensionOrigins } from './http/cors';
import type { Db } from './db/index';
import { eventTail, Tail } from './inbox/events';
import { StreamBudget } from './inbox/streams';
import type { Env } from './http/request';
import { authenticate, rateLimit } from './http/middleware';
import { expireIdempotencyKeys, IDEMPOTENCY_BOUNDS, type IdempotencyBounds } from './http/idempotency';
import { openApiDocument } from './openapi';
import { HttpProblem, errorProblem, problemResponse } from './http/problems';
import { auditUnroutedWrite } from './http/refusals';
import { accessRequestRoutes } from './access-requests/routes';
import { changeRequestRoutes } from './grants/change-routes';
import { seedChangeRequests } from './grants/changes-service';
import { auditRoutes } from './audit/routes';
import { publicAuthRoutes, sessionRoutes } from './identity/sign-in-routes';
import { expireSessions, MAX_SESSION_MS } from './identity/sessions';
import { apiKeyRoutes } from './identity/api-key-routes';
import { eventRoutes } from './inbox/event-routes';
import { meRoutes } from './inbox/routes';
import { requesterRoutes } from './access-requests/requester-routes';
import { ticketRoutes } from './grants/routes';
import { seedSupportRequests } from './grants/repository';
import { FailedAuthThrottle, FixedWindowLimiter, TrustedProxies } from './http/throttle';
import { backfillAccessRequestKeys, seedAccessRequests } from './access-requests/repository';
import { ROUTES } from '../api/contract';

/** The enforcement point's path: an engineer's check there learns the directory's last change in its batch (access-check.ts). */
const CHECK_PATH = ROUTES.checkAccess.path;

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
  /**
   * The key every append signs its new head with (default: a fresh one held in memory, for a
   * database that lives no longer than this app); `previous`: the key the trail's newest head is
   * signed with, to hand over from (a rotation).
   */
  /** `signLegacyBoundary`: upgrading a trail written before signed heads (--sign-legacy-boundary; audit/legacy.ts). */
  auditSigning?: { key: SigningKey; previous?: SigningKey; signLegacyBoundary?: boolean };
  /** On a database that already holds the org, make the directory what this world file says (else a differing file is only reported). */
  applyWorld?: boolean;
}

/** Event streams one process holds at most when no budget is given (main.ts sizes it from the open-file limit). */
const DEFAULT_MAX_STREAMS = 256;

export interface AccessApp {
  app: Hono<Env>;
  ctx: ServerContext;
  /** How the world file met the stored directory at start (differences to report). */
  directoryStart: Omit<DirectoryStart, 'world'>;
  close(): Promise<void>;
}

export async function createApp(opts: AppOptions): Promise<AccessApp> {
  const rateLimitPerMinute = positiveWhole('rateLimitPerMinute', opts.rateLimitPerMinute ?? 600);
  const authFailuresPerMinute = positiveWhole('authFailuresPerMinute', opts.authFailuresPerMinute ?? 20);
  const asksPerHour = positiveWhole('asksPerHour', opts.asksPerHour ?? 30);
  const proxies = new TrustedProxies(opts.trustProxy ?? []);
  const origins = extensionOrigins(opts.extensionIds);
  const fileWorld = parseWorld(opts.world);
  const db = opts.db;
  const log = opts.log ?? ((m: string) => console.error(m));
  const now = opts.now ?? (() => new Date().toISOString());
  // Before anything appends: every head from here on is signed with this key.
  const trail = await AuditTrail.open(db, opts.auditSigning?.key ?? ephemeralSigningKey(), fileWorld.organization.id, now(), opts.auditSigning?.previous, opts.auditSigning?.signLegacyBoundary);
  // The world file is the first import of an empty database; after that the stored directory decides.
  const directoryStart = await openDirectory(db, fileWorld, { apply: opts.applyWorld ?? false, at: now(), trail });
  const world = directoryStart.world;
  const ix = indexWorld(world);
  await db.transaction((tx) => seedSupportRequests(tx, ix, now()));
  await backfillAccessRequestKeys(db, ix);
  await seedAccessRequests(db, ix, now());
  await seedChangeRequests(db, ix, now());
  // Idempotency keys protect retries, which come within minutes; a day is plenty.
  await db.query('DELETE FROM idempotency WHERE created_at < $1', [Date.now() - 86_400_000]);
  const idempotencyTtlMs = positiveWhole('idempotencyTtlMs', opts.idempotencyTtlMs ?? 86_400_000);
  const idempotencySweepMs = positiveWhole('idempotencySweepMs', opts.idempotencySweepMs ?? 3_600_000);
  await expireIdempotencyKeys({ db }, idempotencyTtlMs);
  const auditTail = new Tail<AuditRecord & { id: number }>(db, 'ac_audit', 'SELECT max(seq) AS max FROM audit_rows', async (q, after) =>
    (await listAudit(q, { after, limit: 500, order: 'asc' })).map((r) => ({ ...r, id: r.seq })),
  );
  const checkpointTail = new Tail<Checkpoint & { id: number }>(db, 'ac_audit', 'SELECT max(seq) AS max FROM audit_rows WHERE signed_note IS NOT NULL', async (q, after) =>
    (await listSignedHeads(q, after, 500)).map((n) => ({ ...checkpointOf(n), id: checkpointOf(n).seq })),
  );
  // Guard deciders are worked out once per directory index (the cache swaps `ix` when the directory moves).
  let guardDeciders: { ix: typeof ix; list: { userId: string; name: string }[] } | undefined;
  const s = {
    ix,
    db,
    trail,
    guardDeciders: () => {
      if (guardDeciders?.ix !== s.ix) guardDeciders = { ix: s.ix, list: guardDecidersOf(s.ix) };
      return guardDeciders.list;
    },
    tokens: new TokenBook({ world: fileWorld }),
    guardAdmins: guardAdminsOf(ix),
    events: eventTail(db),
    auditTail,
    checkpointTail,
    streams: new StreamBudget(opts.streams?.max ?? DEFAULT_MAX_STREAMS, opts.streams?.perToken, opts.streams?.perPerson),
    http: { bodyLimitBytes: opts.bodyLimitBytes ?? 64 * 1024, idempotency: opts.idempotencyBounds ?? IDEMPOTENCY_BOUNDS },
    now,
  } as Omit<ServerContext, 'directory' | 'directoryStore' | 'accessChecks'> as ServerContext;
  // The cache rebuilds from the database with the file's engineers and tickets; it keeps no copy of the file's people.
  s.directory = new DirectoryCache(db, { ...fileWorld, users: [], roles: [], groups: [], groupRoles: [] }, s, directoryStart.seq);
  const stopHearingDirectory = await s.directory.listenForChanges();
  s.directoryStore = new DirectoryService(s);
  // The enforcement point's batcher reads `s.ix` at each batch, so it decides on the current directory.
  s.accessChecks = new AccessCheckBatcher(s);
  forgetPlaintextTokens(fileWorld);
  await s.events.start();
  await auditTail.start();
  // Every row any process commits and announces raises the head this process will ever sign on or
  // call intact (the tail keeps the newest announced row without reading any while nobody streams).
  trail.seenHead = () => auditTail.lastId;
  await checkpointTail.start();
  // Keys expire while the process runs, not only at the next start (a long-lived API would grow).
  const sweeper = setInterval(() => {
    expireIdempotencyKeys(s, idempotencyTtlMs).catch((e: unknown) => log(`idempotency sweep failed: ${e instanceof Error ? e.message : String(e)}`));
    expireSessions(s, 86_400_000).catch((e: unknown) => log(`session sweep failed: ${e instanceof Error ? e.message : String(e)}`));
  }, idempotencySweepMs);
  sweeper.unref();

  const app = new Hono<Env>();
  app.onError((err, c) => {
    // The trail was changed outside the API: nothing is recorded (so nothing is allowed) until an operator looks.
    if (err instanceof TrailTampered) return problemResponse(c, new HttpProblem('db-unavailable', `${err.message}. Nothing was recorded; run npm run audit:verify.`, {}, 503));
    const answer = errorProblem(err);
    if (answer) return problemResponse(c, answer);
    log(`unexpected error on ${c.req.method} ${c.req.path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return problemResponse(c, new HttpProblem('internal'));
  });
  /**
   * Methods the app answers on this path (for 405 and its Allow header), matched as strictly as the
   * router: a trailing-slash variant is no route (404), never a 405 that names the refused method.
   * HEAD comes with GET. The table is built on the first miss, once every route is registered.
   */
  let routePatterns: Array<{ method: string; pattern: RegExp }> | undefined;
  const allowedMethods = (path: string): string[] => {
    routePatterns ??= app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => ({ method: r.method, pattern: new RegExp(`^${r.path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+')}$`) }));
    const methods = new Set(routePatterns.filter((r) => r.pattern.test(path)).map((r) => r.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods];
  };
  app.notFound(async (c) => {
    const allow = allowedMethods(c.req.path);
    const refusal =
      allow.length === 0
        ? new HttpProblem('not-found', 'No such route.')
        : new HttpProblem('method-not-allowed', `${c.req.method} is not allowed on ${c.req.path}; use ${allow.join(', ')}.`, {}, 405, { Allow: allow.join(', ') });
    // A write an authenticated caller attempted is on record, answered or not (refusals.ts).
    await auditUnroutedWrite(c, s, refusal);
    return problemResponse(c, refusal);
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

  // Every declared route runs one pipeline (http/route.ts): API-key scope, body size, Idempotency-Key,
  // who may call, validation, the handler, and one audit row for a refused write. In front of it,
  // only who is calling and the per-token rate limit.
  app.use('*', async (c, next) => {
    c.set('server', s);
    await next();
  });
  const failures = { throttle: new FailedAuthThrottle(authFailuresPerMinute), proxies };
  // Every decision sees every acknowledged directory change: the index is brought up to the last one
  // first. An engineer's access check (a personal token from the world file, which no directory
  // change touches) skips this read: the enforcement point's batch reads the last change in the
  // statement it reads grants with, and brings the index up to it before deciding (access-check.ts).
  app.use('/v1/*', async (c, next) => {
    if (!(c.req.method === 'POST' && c.req.path === CHECK_PATH && s.tokens.identify(c.req.header('authorization'))?.kind === 'engineer')) await s.directory.ensureFresh();
    await next();
  });
  // SCIM decides from the index too: whether a key's maker is still an active org admin (a demoted
  // admin's key must not reinstate them through another replica), the sites a new person joins, who
  // hears of a change. Outside review 2026-12-07: on a replica that had not served /v1 since, a key
  // whose maker lost org admin on another process kept writing the directory.
  app.use('/scim/v2/*', async (_c, next) => {
    await s.directory.ensureFresh();
    await next();
  });
  // Sign-in is answered without an API credential (it is how one is made), under the same brake.
  app.route('/v1', publicAuthRoutes(s, { failures, sessionTtlMs: positiveWhole('sessionTtlMs', Math.min(opts.sessionTtlMs ?? MAX_SESSION_MS, MAX_SESSION_MS)), log, fetch: opts.identityFetch }));
  app.use('/v1/*', authenticate(s, failures));
  app.use('/v1/*', rateLimit(rateLimitPerMinute));
  app.route('/v1', ticketRoutes(s, { asks: new FixedWindowLimiter(asksPerHour, 3_600_000) }));
  app.route('/v1', requesterRoutes(s));
  app.route('/v1', meRoutes(s));
  app.route('/v1', accessRequestRoutes(s));
  app.route('/v1', changeRequestRoutes(s));
  app.route('/v1', auditRoutes(s));
  app.route('/v1', eventRoutes(s));
  app.route('/v1', sessionRoutes(s));
  app.route('/v1', apiKeyRoutes(s));
  app.route('/v1', directoryRoutes(s));
  app.route('/v1', directorySiteRoutes(s));
  app.route('/v1', vendorRoutes(s));
  // SCIM 2.0 for the org's identity provider (DESIGN §6), with its own credential check (a scim
  // key), limits and error schema. A provider's first sync is many thousands of requests: its
  // per-key rate is the larger of the API's and SCIM_REQUESTS_PER_MINUTE.
  app.route('/scim/v2', scimRoutes(s, { directory: s.directoryStore, failures, requestsPerMinute: Math.max(SCIM_REQUESTS_PER_MINUTE, rateLimitPerMinute), log }));

  return {
    app,
    ctx: s,
    directoryStart: { seq: directoryStart.seq, differences: directoryStart.differences, imported: directoryStart.imported },
    close: async () => {
      await checkpointTail.stop();
      clearInterval(sweeper);
      await s.events.stop();
      await auditTail.stop();
      await stopHearingDirectory();
    },
  };
}

function positiveWhole(name: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of at least 1, not ${n}.`);
  return n;
}
