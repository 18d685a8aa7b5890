// Row 2c: the audit log at 1,000,000 rows, on the API's own storage (embedded PGlite, in memory):
// rows are chained with the server's own rowHash and bulk-inserted through its DB layer, then
// queried by actor and time window with the server's listAudit, and the whole chain verified
// with its verifyAudit. --quick uses 50,000 rows and says so.
import { appendAudit, listAudit, rowHash, verifyAudit, type ActorKind } from '../../src/server/audit';
import { openPglite } from '../../src/server/db/index';
import { audit, auditRows } from '../lib/expected';
import { now, summarize, type Row } from '../lib/stats';

const COLS = 11;

export async function benchAudit(quick: boolean): Promise<Row[]> {
  const total = auditRows(quick);
  const db = await openPglite();
  try {
    // One real append first, so the chain starts exactly the way the server starts it (with an
    // action of the shared vocabulary: appendAudit takes no other).
    await db.transaction((tx) => appendAudit(tx, { actor: 'system', actorKind: 'system', action: 'access.check', outcome: 'done' }, '2026-01-01T00:00:00.000Z'));
    const [head] = await db.query<{ seq: number | string; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
    let prev = head!.hash;
    let seq = Number(head!.seq);
    const actors = Array.from({ length: 2_000 }, (_, i) => (i % 4 === 0 ? { id: `admin-${i}`, kind: 'admin' as ActorKind } : { id: `eng-${i}`, kind: 'engineer' as ActorKind }));
    const start = Date.parse('2026-01-01T00:00:00Z');
    const span = 90 * 24 * 3600 * 1000; // 90 days of activity
    const batch = 2_000;
    const t0 = now();
    while (seq < total) {
      const values: string[] = [];
      const params: unknown[] = [];
      for (let i = 0; i < batch && seq < total; i++) {
        seq++;
        const a = actors[(seq * 7919) % actors.length]!;
        const at = new Date(start + Math.floor((seq / total) * span)).toISOString();
        const ticket = `PS-${1000 + (seq % 20_000)}`;
        const resource = { type: 'work_item', id: `r-${seq % 5000}` };
        const base = { seq, at, actor: a.id, actorKind: a.kind, action: a.kind === 'engineer' ? 'access.check' : 'grant.create', ticket, resource, outcome: seq % 5 === 0 ? 'refused' : 'allowed', detail: null };
        const hash = rowHash(prev, base);
        const o = params.length;
        values.push(`(${Array.from({ length: COLS }, (_, k) => `$${o + k + 1}`).join(',')})`);
        params.push(seq, at, base.actor, base.actorKind, base.action, ticket, JSON.stringify(resource), base.outcome, 'null', prev, hash);
        prev = hash;
      }
      await db.query(`INSERT INTO audit (seq, at, actor, actor_kind, action, ticket, resource, outcome, detail, prev_hash, hash) VALUES ${values.join(',')}`, params);
    }
    await db.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [seq, prev]);
    const loadS = (now() - t0) / 1000;

    // Queries an org admin makes: one actor, a one-week window, newest first, one page.
    const queries = quick ? 200 : 1_000;
    const lat: number[] = [];
    let found = 0;
    for (let i = 0; i < queries + 20; i++) {
      const a = actors[(i * 131) % actors.length]!;
      const from = start + ((i * 7_777_777) % (span - 7 * 86_400_000));
      const s = now();
      const rows = await listAudit(db, { actor: a.id, from: new Date(from).toISOString(), to: new Date(from + 7 * 86_400_000).toISOString(), limit: 50, order: 'desc' });
      if (i >= 20) { lat.push(now() - s); found += rows.length; }
    }
    const q = summarize(lat);

    const v0 = now();
    const verdict = await verifyAudit(db);
    const verifyMs = now() - v0;
    if (!verdict.ok) throw new Error(`audit chain does not verify: ${verdict.reason}`);
    const n = total.toLocaleString('en-US');
    const names = audit(quick);
    return [
      { ...names.query, value: q.p99, median: q.median, p99: q.p99, latencyUnit: 'ms', note: `${queries} queries (listAudit, 50 per page) over ${n} rows, 2,000 actors, 90 days; mean ${(found / queries).toFixed(1)} rows returned; rows bulk-loaded in ${loadS.toFixed(1)} s${quick ? `; --quick: ${n} rows, not 1,000,000` : ''}` },
      { ...names.verify, value: verifyMs / 1000, note: `verifyAudit over ${verdict.rows.toLocaleString('en-US')} rows: ${Math.round(verdict.rows / (verifyMs / 1000)).toLocaleString('en-US')} rows/s${quick ? `; --quick: ${n} rows, not 1,000,000` : ''}` },
    ];
  } finally {
    await db.close();
  }
}
