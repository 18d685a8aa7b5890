// How the gate runs the Access API: as its own process, the way the README starts it
// (`node main.js` of `npm run build:api`'s output, see global-setup.ts), with only the flags the
// README documents, spoken to over HTTP at DESIGN §4's paths. Nothing from src/ is imported here.
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe } from 'vitest';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ADMIN_URL = process.env.DATABASE_URL || undefined;

/** PGlite always; PostgreSQL too when DATABASE_URL names a server the gate may create databases on. */
export type Backend = 'pglite' | 'postgres';
export const BACKENDS: Backend[] = ['pglite', 'postgres'];
export const skipReason = (b: Backend): string | undefined => (b === 'postgres' && !ADMIN_URL ? 'skipped: DATABASE_URL is unset, so the PostgreSQL variant cannot run' : undefined);

/** One describe block per backend; the PostgreSQL one is skipped, and says so, without DATABASE_URL. */
export function onEachBackend(title: (b: Backend) => string, body: (b: Backend) => void): void {
  for (const b of BACKENDS) {
    const reason = skipReason(b);
    if (reason) console.log(`${title(b)}: ${reason}`);
    describe.skipIf(reason)(title(b), () => body(b));
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Api {
  base: string;
  pid: number;
  /** What the process wrote to stderr so far (last 20 KB). */
  stderr(): string;
  /** SIGTERM, then wait for the exit (a clean shutdown). */
  stop(): Promise<void>;
  /** SIGKILL (kill -9), then wait for the exit: no shutdown code runs. */
  kill9(): Promise<void>;
}

export interface ApiOptions {
  fixture: string;
  /** --data DIR (PGlite); ignored when databaseUrl is given. */
  data?: string;
  /** DATABASE_URL for this process (PostgreSQL); without it the API is on PGlite. */
  databaseUrl?: string;
  /** --audit-key FILE. */
  auditKey?: string;
  /** Extra README flags. */
  args?: string[];
  /** Run under a shell `ulimit -n` of this many file descriptors. */
  maxOpenFiles?: number;
}

/** The built API (`npm run build:api`), as global-setup.ts copied it. */
const API_ENTRY = join(ROOT, 'tmp/gate-api/main.js');

/** The command line for one API process, as README's "Other commands" gives it. */
function apiArgs(o: ApiOptions, port: number): string[] {
  return [
    API_ENTRY,
    '--fixture',
    o.fixture,
    '--port',
    String(port),
    // The gate's checkers send far more than a person would: the per-token brake is not under test.
    '--rate-limit',
    '100000000',
    ...(o.data && !o.databaseUrl ? ['--data', o.data] : []),
    ...(o.auditKey ? ['--audit-key', o.auditKey] : []),
    ...(o.args ?? []),
  ];
}

/** Starts an API process and waits until it answers a signed-in read (DESIGN §4's eligibility). */
export async function startApi(o: ApiOptions): Promise<Api> {
  const p = await startProcess(o);
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (p.exitCode() !== null) throw new Error(`the API exited (${p.exitCode()}) before answering: ${p.api.stderr().slice(-1500)}`);
    if (Date.now() > deadline) {
      await p.api.kill9();
      throw new Error(`the API did not answer in time: ${p.api.stderr().slice(-1500)}`);
    }
    const ok = await fetch(`${p.api.base}/v1/tickets/GATE-1/eligibility`, { headers: { authorization: 'Bearer alice-token' }, signal: AbortSignal.timeout(5_000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return p.api;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts an API process without waiting for it: for a start that is expected to be refused. */
export async function startProcess(o: ApiOptions): Promise<{ api: Api; exitCode(): number | null; exited: Promise<number> }> {
  const port = await freePort();
  const env = { ...process.env, DATABASE_URL: o.databaseUrl ?? '' };
  const args = apiArgs(o, port);
  const child: ChildProcess =
    o.maxOpenFiles === undefined
      ? spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn('bash', ['-c', `ulimit -n ${o.maxOpenFiles} && exec "$0" "$@"`, process.execPath, ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr = (stderr + String(d)).slice(-20_000);
  });
  let code: number | null = null;
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (c, signal) => {
      code = c ?? (signal ? 128 : -1);
      resolve(code);
    }),
  );
  const wait = async (signal: NodeJS.Signals) => {
    if (code !== null) return;
    child.kill(signal);
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
  };
  const api: Api = { base: `http://127.0.0.1:${port}`, pid: child.pid!, stderr: () => stderr, stop: () => wait('SIGTERM'), kill9: () => wait('SIGKILL') };
  return { api, exitCode: () => code, exited };
}

export interface Answer {
  status: number;
  type: string;
  /** The parsed body; the tests check its fields against DESIGN §4 one by one. */
  json: any;
}

/**
 * One HTTP call on a connection of its own, closed after the answer: for a request the server may
 * answer before reading it all (a body too large), which leaves the connection unusable.
 */
export function callOnce(base: string, token: string, method: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const u = new URL(base + path);
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method,
        agent: false,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', connection: 'close', ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => {
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), json });
        });
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error('no answer in 20 s')));
    // The server may answer and close before taking the whole body: that answer is what counts.
    req.on('error', (e) => (e.message.includes('EPIPE') || (e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    req.end(payload);
  });
}

/** One HTTP call with a bearer token; a JSON body is sent as JSON, a string as it is. */
export async function call(base: string, token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const r = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await r.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: r.status, type: r.headers.get('content-type') ?? '', json };
}

/** Support's access check (DESIGN §4's enforcement point); `allowed` as answered, or the whole answer when it is not 200. */
export async function check(base: string, ticket: string, engineerToken = 'sam-token', resource: unknown = { type: 'page', id: 'p1' }): Promise<boolean> {
  const a = await call(base, engineerToken, 'POST', '/v1/access/check', { ticket, resource });
  if (a.status !== 200 || typeof a.json?.allowed !== 'boolean') throw new Error(`access check answered ${a.status}: ${JSON.stringify(a.json)}`);
  return a.json.allowed;
}

export interface AuditEntry {
  actor: string;
  action: string;
  outcome: string;
  [k: string]: unknown;
}

/** The whole audit log (`GET /v1/audit`, every page) as an org admin reads it, oldest first. */
export async function auditLog(base: string, query = '', token = 'alice-token'): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  let cursor: string | undefined;
  do {
    const a = await call(base, token, 'GET', `/v1/audit?limit=500${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (a.status !== 200 || !Array.isArray(a.json?.entries)) throw new Error(`GET /v1/audit answered ${a.status}: ${JSON.stringify(a.json).slice(0, 300)}`);
    out.push(...a.json.entries);
    cursor = a.json.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** An Ed25519 key pair as files: the private key for --audit-key (mode 0600), the public key in another folder. */
export function signingKeyFiles(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const priv = join(mkdtempSync(join(tmpdir(), 'ac-gate-key-')), 'audit-signing-key.pem');
  writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  chmodSync(priv, 0o600);
  const pub = join(mkdtempSync(join(tmpdir(), 'ac-gate-pub-')), 'audit-public-key.pem');
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateKey: priv, publicKey: pub };
}

/** `npm run audit:verify -- ARGS` (with DATABASE_URL for PostgreSQL): its exit code and what it printed. */
export function auditVerify(args: string[], databaseUrl?: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'audit:verify', '--', ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += String(d);
    });
    child.stderr.on('data', (d) => {
      output += String(d);
    });
    child.on('exit', (c) => resolve({ code: c ?? -1, output }));
  });
}

/** A database of its own on the DATABASE_URL server, dropped by `drop()`. */
export async function scratchDatabase(template?: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `ac_gate_${Math.random().toString(36).slice(2, 10)}`;
  await adminQuery(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  const u = new URL(ADMIN_URL!);
  u.pathname = `/${name}`;
  return { url: u.toString(), name, drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL! });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export interface SseStream {
  /** Resolves with the answer's status once headers arrive, or with 0 when the connection failed or got no answer in time. */
  status: Promise<number>;
  close(): void;
}

/** Opens one event stream (`GET path`, text/event-stream) on its own socket and keeps it open. */
export function openStream(base: string, path: string, token: string, timeoutMs = 5_000): SseStream {
  const u = new URL(base + path);
  let settle!: (s: number) => void;
  const status = new Promise<number>((r) => {
    settle = r;
  });
  const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, agent: false }, (res) => {
    settle(res.statusCode ?? 0);
    res.resume();
  });
  // Unanswered after timeoutMs counts as settled, but the connection stays: it still holds the server.
  const unanswered = setTimeout(() => settle(0), timeoutMs);
  void status.then(() => clearTimeout(unanswered));
  req.on('error', () => settle(0));
  req.end();
  return { status, close: () => req.destroy() };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
