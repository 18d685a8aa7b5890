// Throttling that cannot lock out the people who must act: an attacker's bad tokens slow the
// attacker, never a valid admin or Support's access check; X-Forwarded-For counts only from a
// configured proxy; valid callers have their own per-token limit; asks are limited per asker.
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type AccessApp } from '../../../src/server/app';
import { openPglite, type Db } from '../../../src/server/db/index';
import { WORLD, writeWorldFile } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { callApi, type RouteCall } from '../../support/api-call';

const PROBLEM = 'application/problem+json';
const ATTACKER = '203.0.113.9';

let api: AccessApp | undefined;
let db: Db | undefined;
afterEach(async () => {
  await api?.close();
  await db?.close();
  api = db = undefined;
});

async function start(opts: { authFailuresPerMinute?: number; trustProxy?: string[]; asksPerHour?: number; rateLimitPerMinute?: number } = {}): Promise<AccessApp> {
  db = await openPglite();
  api = await createApp({ world: WORLD, db, log: () => {}, ...opts });
  return api;
}

/** A call (GET /v1/me unless `init.call`) as if it came over a socket from `peer`, with `init.xff` as X-Forwarded-For. */
function call(a: AccessApp, token: string, peer: string, init: { call?: RouteCall; xff?: string } = {}) {
  const socket = {
    request: (path: string, r: RequestInit) =>
      a.app.request(path, init.xff === undefined ? r : { ...r, headers: { ...(r.headers as Record<string, string>), 'x-forwarded-for': init.xff } }, { incoming: { socket: { remoteAddress: peer } } }),
  };
  return callApi(socket, token, ...(init.call ?? [ROUTES.me]));
}

/** Distinct guesses that share no 8-character prefix, so only the address is charged for all of them. */
const guess = (i: number) => `${String(i).padStart(4, '0')}-guess-${i}`;

describe('failed authentication throttle', () => {
  it('25 bad tokens from one address lock out neither a valid admin nor the engineer access check from that address', async () => {
    const a = await start({ authFailuresPerMinute: 20 });
    for (let i = 0; i < 20; i++) expect((await call(a, guess(i), ATTACKER)).status).toBe(401);
    for (let i = 20; i < 25; i++) {
      const r = await call(a, guess(i), ATTACKER);
      expect(r.status).toBe(429);
      expect(r.headers.get('content-type')).toContain(PROBLEM);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect((await call(a, 'alice-token', ATTACKER)).status).toBe(200);
    const check = await call(a, 'sam-token', ATTACKER, { call: [ROUTES.checkAccess, { ticket: 'PS-101', resource: { type: 'work_item', id: 'PS-101' } }] });
    expect(check.status).toBe(200);
    expect(typeof check.json.allowed).toBe('boolean');
    // A fresh guess from elsewhere is only a 401: nothing about the attacker spilled onto others.
    expect((await call(a, guess(99), '198.51.100.7')).status).toBe(401);
  });

  it('one bad token replayed from many addresses is throttled by its fingerprint', async () => {
    const a = await start({ authFailuresPerMinute: 5 });
    for (let i = 0; i < 5; i++) expect((await call(a, 'leaked-old-token', `198.51.100.${i + 1}`)).status).toBe(401);
    expect((await call(a, 'leaked-old-token', '198.51.100.50')).status).toBe(429);
    expect((await call(a, 'alice-token', '198.51.100.50')).status).toBe(200);
  });

  it('guesses around one known token prefix from many addresses are throttled by the prefix', async () => {
    const a = await start({ authFailuresPerMinute: 5 });
    for (let i = 0; i < 5; i++) expect((await call(a, `alice-to-${i}`, `198.51.100.${i + 1}`)).status).toBe(401);
    expect((await call(a, 'alice-to-xyz', '198.51.100.60')).status).toBe(429);
    expect((await call(a, 'alice-token', '198.51.100.60')).status).toBe(200);
  });

  it('X-Forwarded-For from an untrusted peer is ignored: changing it does not reset the count', async () => {
    const a = await start({ authFailuresPerMinute: 5 });
    for (let i = 0; i < 5; i++) expect((await call(a, guess(i), ATTACKER, { xff: `192.0.2.${i + 1}` })).status).toBe(401);
    expect((await call(a, guess(5), ATTACKER, { xff: '192.0.2.200' })).status).toBe(429);
  });

  it("a trusted proxy's X-Forwarded-For names the client; addresses a client wrote left of it do not count", async () => {
    const a = await start({ authFailuresPerMinute: 5, trustProxy: ['10.0.0.0/8'] });
    const proxy = '10.1.2.3';
    // The attacker forges a different leftmost hop each time; the proxy appends the real address.
    for (let i = 0; i < 5; i++) expect((await call(a, guess(i), proxy, { xff: `192.0.2.${i + 1}, ${ATTACKER}` })).status).toBe(401);
    expect((await call(a, guess(5), proxy, { xff: ATTACKER })).status).toBe(429);
    // Everyone else behind the same proxy is a different client, and the attacker's valid token still works.
    expect((await call(a, guess(6), proxy, { xff: '198.51.100.7' })).status).toBe(401);
    expect((await call(a, 'alice-token', proxy, { xff: ATTACKER })).status).toBe(200);
  });

  it('a trusted-proxy list entry that is neither an address nor a CIDR range stops the start', async () => {
    db = await openPglite();
    await expect(createApp({ world: WORLD, db, log: () => {}, trustProxy: ['10.0.0.0/8', 'proxy.internal'] })).rejects.toThrow(/proxy\.internal/);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/server/main.ts', '--fixture', writeWorldFile(), '--port', '0', '--trust-proxy', '10.0.0.0/33'], {
      env: { ...process.env, DATABASE_URL: '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/10\.0\.0\.0\/33/);
  });
});

describe('limits for valid callers', () => {
  it('the per-token limit is per token: one busy token does not slow another', async () => {
    const a = await start({ rateLimitPerMinute: 3 });
    for (let i = 0; i < 3; i++) expect((await call(a, 'alice-token', ATTACKER)).status).toBe(200);
    const r = await call(a, 'alice-token', ATTACKER);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBeTruthy();
    expect((await call(a, 'olga-token', ATTACKER)).status).toBe(200);
  });

  it('asks to another admin are limited per asker, with 429 and Retry-After', async () => {
    const a = await start({ asksPerHour: 2 });
    const ask = (token: string, adminId: string) => call(a, token, ATTACKER, { call: [ROUTES.ask, { key: 'PS-101' }, { adminId }] });
    expect((await ask('dev-token', 'alice')).status).toBe(201);
    expect((await ask('dev-token', 'olga')).status).toBe(201);
    const third = await ask('dev-token', 'bob');
    expect(third.status).toBe(429);
    expect(third.headers.get('content-type')).toContain(PROBLEM);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(60);
    expect((await ask('mia-token', 'alice')).status).toBe(201);
  });
});
