// Row 4: grant acknowledged → engineer allowed, and revoke acknowledged → engineer refused, over
// HTTP against the running API. Checks keep running from several clients while the revoke happens;
// any check *sent after* the revoke was acknowledged that is still allowed counts against us, and
// a revoke after which no check was sent, or no refusal seen, proves nothing and fails the target.
import type { World } from '../../src/core/index';
import { API } from '../lib/expected';
import { summarize, type Row } from '../lib/stats';

export interface Actors {
  ticket: string;
  adminToken: string;
  engineerToken: string;
}

/** An open ticket on an active, unrestricted site with a licensed product, and an org admin. */
export function pickActors(world: World): Actors {
  const restricted = new Set(world.organization.guard?.restrictedSites ?? []);
  const active = new Set(world.sites.filter((s) => s.status === 'active').map((s) => s.id));
  const licensed = new Set(world.products.filter((p) => p.licensed).map((p) => `${p.site}/${p.key}`));
  const t = world.tickets.find((x) => x.status === 'open' && active.has(x.site) && !restricted.has(x.site) && licensed.has(`${x.site}/${x.product}`));
  if (!t) throw new Error('no grantable ticket in the world');
  const orgAdmin = world.roles.find((r) => r.role === 'org_admin')!;
  const admin = world.users.find((u) => u.id === orgAdmin.user)!;
  const eng = world.engineers.find((e) => e.id === t.engineer)!;
  return { ticket: t.key, adminToken: admin.token!, engineerToken: eng.token! };
}

async function call(base: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : undefined };
}

export async function benchGrantRevoke(base: string, a: Actors, iterations: number): Promise<Row[]> {
  const check = () => call(base, a.engineerToken, 'POST', '/v1/access/check', { ticket: a.ticket, resource: { type: 'work_item' } });
  const grantToAllowed: number[] = [];
  const revokeToRefused: number[] = [];
  let refusedAfterGrantAck = 0;
  let allowedAfterRevokeAck = 0;
  let checksAfterRevoke = 0;
  let revokesUnchecked = 0; // no check was sent after this revoke's acknowledgement
  let revokesUnrefused = 0; // no refusal was seen after it within 10 s
  let failedChecks = 0; // neither allowed nor refused: an error is not a refusal
  for (let i = 0; i < iterations; i++) {
    const g = await call(base, a.adminToken, 'POST', `/v1/tickets/${a.ticket}/grants`, {});
    if (g.status !== 201 || g.json.state !== 'active') throw new Error(`grant refused: ${g.status} ${JSON.stringify(g.json)}`);
    const ack = performance.now();
    for (;;) {
      const c = await check();
      if (c.json?.allowed === true) {
        grantToAllowed.push(performance.now() - ack);
        break;
      }
      refusedAfterGrantAck++;
      if (performance.now() - ack > 10_000) throw new Error('engineer never allowed after grant ack');
    }
    // Four clients check back to back while the admin revokes.
    let revokeAck = Infinity;
    let firstRefused = Infinity;
    let sentAfter = 0;
    let stop = false;
    const checker = async () => {
      while (!stop) {
        const sent = performance.now();
        const c = await check();
        if (sent > revokeAck) {
          checksAfterRevoke++;
          sentAfter++;
          if (c.json?.allowed === true) allowedAfterRevokeAck++;
          else if (c.status === 200 && c.json?.allowed === false) firstRefused = Math.min(firstRefused, performance.now());
          else failedChecks++;
        }
      }
    };
    const checkers = Array.from({ length: 4 }, checker);
    await new Promise((r) => setTimeout(r, 5));
    const rv = await call(base, a.adminToken, 'POST', `/v1/grants/${g.json.id}/revoke`, {});
    if (rv.status >= 300) throw new Error(`revoke failed: ${rv.status} ${JSON.stringify(rv.json)}`);
    revokeAck = performance.now();
    while (firstRefused === Infinity && performance.now() - revokeAck < 10_000) await new Promise((r) => setTimeout(r, 1));
    await new Promise((r) => setTimeout(r, 5));
    stop = true;
    await Promise.all(checkers);
    if (sentAfter === 0) revokesUnchecked++;
    if (Number.isFinite(firstRefused)) revokeToRefused.push(firstRefused - revokeAck);
    else revokesUnrefused++;
  }
  const gs = summarize(grantToAllowed);
  const rs = summarize(revokeToRefused);
  return [
    {
      ...API.revoke,
      value: allowedAfterRevokeAck,
      median: rs.median,
      p99: rs.p99,
      latencyUnit: 'ms',
      met: allowedAfterRevokeAck === 0 && revokesUnchecked === 0 && revokesUnrefused === 0 && failedChecks === 0,
      note: `${iterations} revokes with 4 clients checking throughout; ${checksAfterRevoke} checks sent after a revoke ack, ${allowedAfterRevokeAck} allowed; ${revokesUnchecked} revoke(s) with no check sent after the ack, ${revokesUnrefused} with no refusal seen, ${failedChecks} check(s) that errored; median/p99 = ack → first refused answer`,
    },
    {
      ...API.grant,
      value: gs.median,
      median: gs.median,
      p99: gs.p99,
      latencyUnit: 'ms',
      met: refusedAfterGrantAck === 0,
      note: `${iterations} grants; ${refusedAfterGrantAck} checks refused after a grant ack; time is one check round trip after the 201`,
    },
  ];
}
