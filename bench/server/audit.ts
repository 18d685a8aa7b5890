// Row 2c: the audit log at 1,000,000 rows, on the API's own storage (embedded PGlite, in memory):
// rows are chained with the server's own rowHash and bulk-inserted through its DB layer, with a
// signed checkpoint every 10,000 rows as the API would sign them, then queried by actor and time
// window with the server's listAudit, verified in full against the checkpoints with the public key
// (verifyAuditTrail, as the CLI and the API run it: batches of 20,000 rows read as one text each
// while worker threads parse and hash the batches before), and verified incrementally after a minute's worth of new rows since the
// last checkpoint. --quick uses 200,000 rows and scales the full-verify time to 1M, and says so.
import { appendAudit, appendAuditBatch, listAudit, rowHash, type ActorKind } from '../../src/server/audit';
import { ephemeralSigningKey, signCheckpoint } from '../../src/server/audit-checkpoints';
import { defaultVerifyWorkers, VERIFY_BATCH_ROWS, verifyAuditTrail } from '../../src/server/audit-verify';
import { openPglite } from '../../src/server/db/index';
import { audit, auditRows } from '../lib/expected';
import { now, summarize, type Row } from '../lib/stats';
import { availableParallelism } from 'node:os';

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
    const key = ephemeralSigningKey();
    const checkpointEvery = 10_000;
    let nextCheckpoint = checkpointEvery;
    const checkpoint = async () => {
      const cp = signCheckpoint(key, { seq, hash: prev, at: new Date(start + Math.floor((seq / total) * span)).toISOString(), org: 'bench' });
      await db.query('INSERT INTO audit_checkpoints (seq, hash, at, org, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6)', [cp.seq, cp.hash, cp.at, cp.org, cp.keyId, cp.signature]);
    };
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
        const base = {
          seq,
          at,
          actor: a.id,
          actorKind: a.kind,
          action: a.kind === 'engineer' ? 'access.check' : 'grant.create',
          ticket,
          resource,
          outcome: seq % 5 === 0 ? 'refused' : 'allowed',
          detail: null,
        };
        const hash = rowHash(prev, base);
        const o = params.length;
        values.push(`(${Array.from({ length: COLS }, (_, k) => `$${o + k + 1}`).join(',')})`);
        params.push(seq, at, base.actor, base.actorKind, base.action, ticket, JSON.stringify(resource), base.outcome, 'null', prev, hash);
        prev = hash;
      }
      await db.query(`INSERT INTO audit (seq, at, actor, actor_kind, action, ticket, resource, outcome, detail, prev_hash, hash) VALUES ${values.join(',')}`, params);
      if (seq >= nextCheckpoint || seq === total) {
        await checkpoint();
        nextCheckpoint += checkpointEvery;
      }
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
      if (i >= 20) {
        lat.push(now() - s);
        found += rows.length;
      }
    }
    const q = summarize(lat);

    const v0 = now();
    const verdict = await verifyAuditTrail(db, { publicKey: key.publicKey });
    const verifyS = (now() - v0) / 1000;
    if (!verdict.ok) throw new Error(`audit chain does not verify: ${verdict.reason}`);
    const perMillion = verifyS * (1_000_000 / verdict.rows);
    const workers = verdict.rows > VERIFY_BATCH_ROWS ? defaultVerifyWorkers() : 0;

    // A minute of traffic since the last checkpoint (1,000 checks/s would be 60,000; the API
    // checkpoints every 60 s by default), appended the way the API appends, then verified from there.
    const since = quick ? 5_000 : 60_000;
    for (let i = 0; i < since; i += 500) {
      await db.transaction(async (tx) => {
        await appendAuditBatch(
          tx,
          Array.from({ length: Math.min(500, since - i) }, (_, k) => ({
            input: { actor: 'eng-1', actorKind: 'engineer' as ActorKind, action: 'access.check', ticket: 'PS-1', resource: { type: 'page', id: `p${i + k}` }, outcome: 'allowed' as const },
            at: '2026-04-01T00:00:00.000Z',
          })),
        );
      });
    }
    const i0 = now();
    const inc = await verifyAuditTrail(db, { publicKey: key.publicKey, incremental: true });
    const incMs = now() - i0;
    if (!inc.ok || inc.rows !== since) throw new Error(`incremental verify: ${inc.reason ?? `${inc.rows} rows, not ${since}`}`);

    const n = total.toLocaleString('en-US');
    const names = audit(quick);
    return [
      {
        ...names.query,
        value: q.p99,
        median: q.median,
        p99: q.p99,
        latencyUnit: 'ms',
        note: `${queries} queries (listAudit, 50 per page) over ${n} rows, 2,000 actors, 90 days; mean ${(found / queries).toFixed(1)} rows returned; rows bulk-loaded in ${loadS.toFixed(1)} s${quick ? `; --quick: ${n} rows, not 1,000,000` : ''}`,
      },
      {
        ...names.verify,
        value: perMillion,
        met: perMillion <= 5,
        note: `verifyAuditTrail with the public key over ${verdict.rows.toLocaleString('en-US')} rows and ${verdict.checkpoints} signed checkpoints in ${verifyS.toFixed(2)} s: ${Math.round(verdict.rows / verifyS).toLocaleString('en-US')} rows/s (reads of ${VERIFY_BATCH_ROWS.toLocaleString('en-US')} rows on the main thread, PGlite in-process; parsing and hashing on ${workers} worker thread${workers === 1 ? '' : 's'} of ${availableParallelism()} cores, worker start-up included)${quick ? `; --quick: measured on ${n} rows and scaled ×${(1_000_000 / verdict.rows).toFixed(0)} to 1M (verification is linear in rows)` : ''}`,
      },
      {
        ...names.incremental,
        value: incMs,
        note: `${since.toLocaleString('en-US')} rows appended since the last checkpoint (about a minute at 1,000 checks/s${quick ? '; --quick: 5,000' : ''}), verified from the checkpoint at row ${inc.startedAfter}`,
      },
    ];
  } finally {
    await db.close();
  }
}
