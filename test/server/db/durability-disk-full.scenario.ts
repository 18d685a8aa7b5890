// The disk-full scenario of durability-storage.test.ts, run inside a mount namespace whose data
// folder is a small tmpfs (argv[2]): the API's app on PGlite there, the disk filled, then what
// each request answered printed as one JSON line for the test to judge.
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../../../src/server/app';
import { openPglite } from '../../../src/server/db/index';
import { WORLD } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { callApi, type RouteCall } from '../../support/api-call';

const mnt = process.argv[2]!;
const db = await openPglite(join(mnt, 'data'));
const api = await createApp({ world: WORLD, db, log: () => {}, rateLimitPerMinute: 1_000_000 });
const call = async (token: string, ...route: RouteCall) => {
  const r = await callApi(api.app, token, ...route);
  return { status: r.status, retryAfter: r.headers.get('retry-after'), json: r.json };
};
const check = () => call('sam-token', ROUTES.checkAccess, { ticket: 'PS-100', resource: { type: 'work_item' } });

const grant = await call('alice-token', ROUTES.grant, { key: 'PS-100' }, {});
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
const fullRevoke = await call('alice-token', ROUTES.revoke, { id: grant.json.id }, {});
const grantWhileFull = (await call('alice-token', ROUTES.getGrant, { id: grant.json.id })).json.state;
const [revokeRows] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit WHERE action = 'grant.revoke'`);
const healthWhileFull = (await callApi(api.app, null, ROUTES.health)).json;

rmSync(filler);
const revokeAfter = (await call('alice-token', ROUTES.revoke, { id: grant.json.id }, {})).status;
const after = await check();
const verifyAfter = (await call('alice-token', ROUTES.verifyAudit)).json.ok;
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
