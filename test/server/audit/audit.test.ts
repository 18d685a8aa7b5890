// The audit chain: every change and every access check appends one row; changing or deleting any
// one row makes verification fail at that row, through the route and through `npm run audit:verify`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/server/app';
import { verifyAuditTrail as verifyAudit } from '../../../src/server/audit/verify';
import { openPglite } from '../../../src/server/db/index';
import { editRow, setBody } from './audit-forgery';
import { harness, WORLD, type Harness } from '../helpers';
import { ROUTES } from '../../../src/api/contract';
import { callApi } from '../../support/api-call';

describe('audit chain', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness('pglite');
    for (const t of ['PS-100', 'PS-101', 'PS-102']) await h.call('alice-token', ROUTES.grant, { key: t }, {});
    for (let i = 0; i < 4; i++) await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-100', resource: { type: 'comment', id: `c${i}` } });
  });
  afterAll(async () => h?.close());

  it('verifies an untouched chain', async () => {
    expect((await h.call('alice-token', ROUTES.verifyAudit)).json).toMatchObject({ ok: true, rows: 7 });
  });

  it('changing any one row fails at that row; restoring it verifies again', async () => {
    for (const seq of [1, 4, 7]) {
      const orig = await editRow(h.db, seq, { detail: { forged: true } });
      const v = (await h.call('alice-token', ROUTES.verifyAudit)).json;
      expect(v).toMatchObject({ ok: false, firstBrokenRow: seq });
      await setBody(h.db, seq, orig);
      expect((await verifyAudit(h.db)).ok).toBe(true);
    }
    const orig = await editRow(h.db, 2, { actor: 'mallory' });
    expect(await verifyAudit(h.db)).toMatchObject({ ok: false, firstBrokenRow: 2 });
    await setBody(h.db, 2, orig);
  });

  it('deleting a row fails at that row, even the last one', async () => {
    const saved = await h.db.query<{ seq: string; body: string; hash: string; signed_note: string | null }>('SELECT seq::text, body, hash, signed_note FROM audit_rows WHERE seq IN (3, 7)');
    await h.db.query('DELETE FROM audit_rows WHERE seq = 3');
    expect(await verifyAudit(h.db)).toMatchObject({ ok: false, firstBrokenRow: 3 });
    await h.db.query('DELETE FROM audit_rows WHERE seq = 7');
    expect(await verifyAudit(h.db)).toMatchObject({ ok: false, firstBrokenRow: 3 });
    for (const r of saved) await h.db.query('INSERT INTO audit_rows (seq, body, hash, signed_note) VALUES ($1, $2, $3, $4)', [r.seq, r.body, r.hash, r.signed_note]);
    expect((await verifyAudit(h.db)).ok).toBe(true);
    await h.db.query('DELETE FROM audit_rows WHERE seq = 7');
    expect(await verifyAudit(h.db)).toMatchObject({ ok: false, firstBrokenRow: 7 });
  });
});

describe('npm run audit:verify', () => {
  it('exits 0 on a good --data dir and 1 naming the row after tampering', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ac-audit-'));
    let db = await openPglite(dir);
    const api = await createApp({ world: WORLD, db, log: () => {} });
    for (const t of ['PS-100', 'PS-101']) {
      await callApi(api.app, 'alice-token', ROUTES.grant, { key: t });
    }
    await api.close();
    await db.close();
    const run = () =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/server/audit/verify-cli.ts', '--data', dir], {
        cwd: join(__dirname, '../../..'),
        encoding: 'utf8',
        env: { ...process.env, DATABASE_URL: '' },
      });
    const good = run();
    expect(good.status, good.stderr).toBe(0);
    expect(good.stdout).toContain('2 rows');
    db = await openPglite(dir);
    await editRow(db, 2, { outcome: 'refused' });
    await db.close();
    const bad = run();
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('row 2');
  });
});

describe('audit stream (SIEM)', () => {
  it('streams new audit rows to org admins only, resuming after Last-Event-ID', async () => {
    const h = await harness('pglite');
    try {
      expect((await h.call('bob-token', ROUTES.auditStream)).status).toBe(403);
      await h.call('alice-token', ROUTES.grant, { key: 'PS-100' }, {});
      const stream = await h.stream('alice-token', ROUTES.auditStream, '0');
      expect(stream.headers.get('content-type')).toContain('text/event-stream');
      await stream.until(/id: 1\.[0-9a-f]{16}\n/); // replayed from Last-Event-ID
      await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-100', resource: { type: 'page', id: 'p9' } });
      const text = await stream.until(/"p9"/); // live
      expect(text).toMatch(/event: audit\n/);
      expect(text.search(/id: 1\./)).toBeLessThan(text.search(/id: 2\./));
      await stream.close();
    } finally {
      await h.close();
    }
  });

  it('costs the enforcement point no reads while nobody streams, and a later stream starts at the present', async () => {
    const h = await harness('pglite');
    try {
      await h.call('alice-token', ROUTES.grant, { key: 'PS-100' }, {});
      const tailReads: string[] = [];
      const query = h.db.query.bind(h.db);
      h.db.query = (async (sql: string, params?: unknown[]) => {
        if (/FROM audit_rows a WHERE a\.seq >/.test(sql)) tailReads.push(sql);
        return query(sql, params);
      }) as typeof h.db.query;
      for (let i = 0; i < 20; i++) await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-100', resource: { type: 'page', id: `idle-${i}` } });
      await new Promise((r) => setTimeout(r, 50));
      expect(tailReads).toEqual([]);

      const stream = await h.stream('alice-token', ROUTES.auditStream);
      await stream.until(/: connected/);
      await h.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-100', resource: { type: 'page', id: 'live-after-idle' } });
      const text = await stream.until(/live-after-idle/);
      expect(text).not.toContain('idle-19'); // no backlog replayed to a stream that asked for none
      await stream.close();
    } finally {
      await h.close();
    }
  });
});
