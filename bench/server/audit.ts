// Row 2c: the audit log at 1,000,000 rows, on the API's own storage (embedded PGlite, in memory):
// rows are hashed with the server's own rowHash and bulk-inserted in appends of 2,000 rows, each
// ending in its signed head as the API signs it, then queried by actor and time window with the
// server's listAudit, verified in full with the public key (verifyAuditTrail, as the CLI and the API
// run it), and verified from a signed head after a minute's worth of new rows. --quick uses 200,000
// rows and scales the full-verify time to 1M, and says so.
import { availableParallelism } from 'node:os';
import { rowHash } from '../../src/server/audit/chain';
import { auditBody, AuditTrail, listAudit, type ActorKind } from '../../src/server/audit/trail';
import { ephemeralSigningKey, signHead } from '../../src/server/audit/checkpoints';
import { verifyAuditTrail } from '../../src/server/audit/verify';
import { openPglite, type Queryable } from '../../src/server/db/index';
import { audit, auditRows } from '../lib/expected';
import { now, summarize, type Row } from '../lib/stats';

const readHead = async (db: Queryable) => {
  const [h] = await db.query<{ seq: string; hash: string }>('SELECT seq::text, hash FROM audit_head WHERE id = 1');
  return { seq: Number(h!.seq), hash: h!.hash };
};

export async function benchAudit(quick: boolean): Promise<Row[]> {
  const total = auditRows(quick);
  const db = await openPglite();
  try {
    const key = ephemeralSigningKey();
    const trail = new AuditTrail(key, 'bench');
    // One real append first, so the chain starts exactly the way the server starts it.
    await db.transaction((tx) => trail.append(tx, { actor: 'system', actorKind: 'system', action: 'access.check', outcome: 'done' }, '2026-01-01T00:00:00.000Z'));
    let { seq, hash: prev } = await readHead(db);
    const actors = Array.from({ length: 2_000 }, (_, i) => (i % 4 === 0 ? { id: `admin-${i}`, kind: 'admin' as ActorKind } : { id: `eng-${i}`, kind: 'engineer' as ActorKind }));
    const start = Date.parse('2026-01-01T00:00:00Z');
    const span = 90 * 24 * 3600 * 1000; // 90 days of activity
    // Bulk-loaded as appends of 2,000 rows each, every one ending in its signed head as the API writes it.
    const batch = 2_000;
    let note = '';
    const t0 = now();
    while (seq < total) {
      const seqs: number[] = [];
      const bodies: string[] = [];
      const hashes: string[] = [];
      const notes: (string | null)[] = [];
      let at = '';
      for (let i = 0; i < batch && seq < total; i++) {
        seq++;
        const a = actors[(seq * 7919) % actors.length]!;
        at = new Date(start + Math.floor((seq / total) * span)).toISOString();
        const body = auditBody(
          {
            actor: a.id,
            actorKind: a.kind,
            action: a.kind === 'engineer' ? 'access.check' : 'grant.create',
            ticket: `PS-${1000 + (seq % 20_000)}`,
            resource: { type: 'work_item', id: `r-${seq % 5000}` },
            outcome: seq % 5 === 0 ? 'refused' : 'allowed',
          },
          at,
        );
        prev = rowHash(prev, body);
        seqs.push(seq);
        bodies.push(body);
        hashes.push(prev);
        notes.push(null);
      }
      note = signHead([key], { seq, hash: prev, at, org: 'bench' });
      notes[notes.length - 1] = note;
      await db.query('INSERT INTO audit_rows (seq, body, hash, signed_note) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[])', [seqs, bodies, hashes, notes]);
    }
    await db.query('UPDATE audit_head SET seq = $1, hash = $2, signed_note = $3 WHERE id = 1', [seq, prev, note]);
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

    // A minute of traffic (1,000 checks/s would be 60,000) appended the way the API appends, then
    // verified from the signed head a client saw before it.
    const from = (await readHead(db)).seq;
    const since = quick ? 5_000 : 60_000;
    for (let i = 0; i < since; i += 500) {
      await db.transaction(async (tx) => {
        await trail.appendBatch(
          tx,
          Array.from({ length: Math.min(500, since - i) }, (_, k) => ({
            input: { actor: 'eng-1', actorKind: 'engineer' as ActorKind, action: 'access.check', ticket: 'PS-1', resource: { type: 'page', id: `p${i + k}` }, outcome: 'allowed' as const },
            at: '2026-04-01T00:00:00.000Z',
          })),
        );
      });
    }
    const i0 = now();
    const inc = await verifyAuditTrail(db, { publicKey: key.publicKey, from });
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
        note: `verifyAuditTrail with the public key over ${verdict.rows.toLocaleString('en-US')} rows and ${verdict.checkpoints} signed heads in ${verifyS.toFixed(2)} s: ${Math.round(verdict.rows / verifyS).toLocaleString('en-US')} rows/s (ranges of 20,000 rows read ahead from PGlite in-process and checked in ${Math.min(4, availableParallelism())} worker threads; the newest head's signature checked)${quick ? `; --quick: measured on ${n} rows and scaled ×${(1_000_000 / verdict.rows).toFixed(0)} to 1M (verification is linear in rows)` : ''}`,
      },
      {
        ...names.incremental,
        value: incMs,
        note: `${since.toLocaleString('en-US')} rows appended in batches of 500, each signed (about a minute at 1,000 checks/s${quick ? '; --quick: 5,000' : ''}), verified from the signed head at row ${inc.startedAfter}`,
      },
    ];
  } finally {
    await db.close();
  }
}
