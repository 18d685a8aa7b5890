// The disk-full scenario of durability-storage.test.ts, run inside a mount namespace whose data
// folder is a small tmpfs (argv[2]): the API's app on PGlite there, the disk filled, then what
// each request answered printed as one JSON line for the test to judge.
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../../src/server/app';
import { openPglite } from '../../src/server/db/index';
import { WORLD } from './helpers';

const mnt = process.argv[2]!;
const db = await openPglite(join(mnt, 'data'));
const api = await createApp({ world: WORLD, db, log: () => {}, rateLimitPerMinute: 1_000_000 });
const call = async (token: string, method: string, path: string, body?: unknown) => {
  const r = await api.app.request(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, retryAfter: r.headers.get('retry-after'), json: await r.json() };
};
const check = () => call('sam-token', 'POST', '/v1/access/check', { ticket: 'PS-100', resource: { type: 'work_item' } });

const grant = await call('alice-token', 'POST', '/v1/tickets/PS-100/grants', {});
if (grant.status !== 201) throw new Error(`grant answered ${grant.status}`);

// Fill every free byte: big chunks, then small ones.
const filler = join(mnt, 'filler');
const fd = openSync(filler, 'w');
for (const size of [1 << 20, 4096, 512]) {
  const chunk = Buffer.alloc(size, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  }
}
closeSync(fd);

let checksBeforeFull = 0;
let full: Awaited<ReturnType<typeof check>> | undefined;
for (let i = 0; i < 5_000 && !full; i++) {
  const c = await check();
  if (c.status === 200 && c.json.allowed === true) checksBeforeFull++;
  else full = c;
}
if (!full) throw new Error('5,000 checks fit on a full disk');
const fullRevoke = await call('alice-token', 'POST', `/v1/grants/${grant.json.id}/revoke`, {});
const grantWhileFull = (await call('alice-token', 'GET', `/v1/grants/${grant.json.id}`)).json.state;
const [revokeRows] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit WHERE action = 'grant.revoke'`);
const healthWhileFull = await (await api.app.request('/healthz')).json();

rmSync(filler);
const revokeAfter = (await call('alice-token', 'POST', `/v1/grants/${grant.json.id}/revoke`, {})).status;
const after = await check();
const verifyAfter = (await call('alice-token', 'GET', '/v1/audit/verify')).json.ok;
const [checks] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit WHERE action = 'access.check'`);
await api.close();
await db.close();
console.log(
  JSON.stringify({
    checksBeforeFull,
    fullCheck: { status: full.status, type: full.json.type, detail: full.json.detail, allowed: full.json.allowed, retryAfter: full.retryAfter },
    fullRevoke: { status: fullRevoke.status, type: fullRevoke.json.type, detail: fullRevoke.json.detail },
    grantWhileFull,
    revokeRowsWhileFull: revokeRows!.n,
    healthWhileFull,
    revokeAfter,
    checkAfter: { status: after.status, allowed: after.json.allowed },
    verifyAfter,
    auditedChecks: checks!.n,
  }),
);
