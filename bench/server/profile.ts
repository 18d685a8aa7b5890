// Where one access check's time goes: each part of the enforcement point measured on its own, in
// this process, on the API's own storage (in-memory PGlite, the demo world, a live grant). Parts
// overlap nothing and are timed one call at a time; "whole" is the check through app.request()
// (no socket), so whole − parts ≈ Hono, zod and the batcher's turn of the event loop.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalResource, engineerAccessDecision, parseWorld } from '../../src/core/index';
import { appendAtEpoch, readAtEpoch } from '../../src/server/grants/access-check';
import { createApp } from '../../src/server/app';
import { rowHash } from '../../src/server/audit/chain';
import { auditBody, type AuditInput } from '../../src/server/audit/trail';
import { openPglite } from '../../src/server/db/index';
import { withTicket } from '../../src/server/grants/repository';
import { PROFILE, type Expected } from '../lib/expected';
import { now, summarize, type Row } from '../lib/stats';
import { pickActors } from './latency';
import { ROOT } from './spawn-api';

export async function benchProfile(quick: boolean): Promise<Row[]> {
  const raw = JSON.parse(readFileSync(join(ROOT, 'fixtures/demo-world.json'), 'utf8'));
  const a = pickActors(parseWorld(structuredClone(raw)));
  const world = parseWorld(structuredClone(raw));
  const engineer = world.engineers.find((e) => e.token === a.engineerToken)!.id;
  const db = await openPglite();
  const api = await createApp({ world: raw, db, rateLimitPerMinute: 1e9, log: () => {} });
  try {
    const g = await api.app.request(`/v1/tickets/${a.ticket}/grants`, { method: 'POST', headers: { authorization: `Bearer ${a.adminToken}`, 'content-type': 'application/json' }, body: '{}' });
    if (g.status !== 201) throw new Error(`grant refused: ${g.status}`);
    const ix = api.ctx.ix;
    const resource = canonicalResource(ix, a.ticket, { type: 'work_item' });
    const n = quick ? 300 : 3_000;
    const time = async (x: Expected, f: (i: number) => unknown, per = 1, note?: string): Promise<Row> => {
      for (let i = 0; i < Math.min(50, n); i++) await f(i); // warm-up
      const samples: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = now();
        await f(i);
        samples.push(((now() - t0) * 1000) / per);
      }
      const st = summarize(samples);
      return { ...x, value: st.median, median: st.median, p99: st.p99, latencyUnit: 'µs', ...(note ? { note } : {}) };
    };
    const view = await readAtEpoch(db, ix, [a.ticket]);
    const found = view.tickets.get(a.ticket)!;
    const input = (i: number): { input: AuditInput; at: string } => ({
      at: new Date().toISOString(),
      input: {
        actor: engineer,
        actorKind: 'engineer',
        action: 'access.check',
        ticket: a.ticket,
        resource: { ...resource, id: `r${i}` },
        outcome: 'allowed',
        detail: { reason: 'granted', grantId: found.grants[0]?.id },
      },
    });
    const epoch = async () => (await readAtEpoch(db, ix, [])).epoch;
    const e = await epoch();
    const rows: Row[] = [
      await time(PROFILE.auth, () => api.ctx.tokens.identify(`Bearer ${a.engineerToken}`)),
      await time(PROFILE.read, () => readAtEpoch(db, ix, [a.ticket]), 1, 'paid once per access epoch: checks between two grant changes decide from what it read (the insert re-checks the epoch)'),
      await time(PROFILE.decision, () => {
        const d = engineerAccessDecision(withTicket(ix, found.ticket), found.grants, engineer, a.ticket, resource);
        if (!d.allowed) throw new Error(`profile decision refused: ${d.reason}`);
      }),
      await time(PROFILE.hash, (i) => rowHash('0'.repeat(64), auditBody(input(i).input, input(i).at))),
      await time(
        PROFILE.insert,
        async (i) => {
          if (!(await appendAtEpoch(api.ctx.trail, db, e, [input(i)]))) throw new Error('epoch moved during the profile');
        },
        1,
        'appendAtEpoch: TypeScript hashes the row and signs the head; one statement, autocommit, moves the head only if no other append did',
      ),
      await time(
        PROFILE.insertBatched,
        async (i) => {
          if (
            !(await appendAtEpoch(
              api.ctx.trail,
              db,
              e,
              Array.from({ length: 64 }, (_, k) => input(i * 64 + k)),
            ))
          )
            throw new Error('epoch moved during the profile');
        },
        64,
      ),
      await time(PROFILE.commit, () => db.transaction(async () => undefined)),
      await time(PROFILE.whole, async (i) => {
        const r = await api.app.request('/v1/access/check', {
          method: 'POST',
          headers: { authorization: `Bearer ${a.engineerToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ ticket: a.ticket, resource: { type: 'work_item', id: `w${i}` } }),
        });
        if (r.status !== 200) throw new Error(`check answered ${r.status}`);
        await r.text();
      }),
    ];
    rows[0]!.note = `${n.toLocaleString('en-US')} calls per part after 50 warm-up, one at a time, in-memory PGlite, demo world; value = median`;
    return rows;
  } finally {
    await api.close();
    await db.close();
  }
}
