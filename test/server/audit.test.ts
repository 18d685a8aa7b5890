// The audit chain: every change and every access check appends one row; changing or deleting any
// one row makes verification fail at that row, through the route and through `npm run audit:verify`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app';
import { verifyAudit } from '../../src/server/audit';
import { openPglite } from '../../src/server/db/index';
import { harness, WORLD, type Harness } from './helpers';

describe('audit chain', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness('pglite');
    for (const t of ['PS-100', 'PS-101', 'PS-102']) await h.req('alice-token', 'POST', `/v1/tickets/${t}/grants`, {});
    for (let i = 0; i < 4; i++) await h.req('sam-token', 'POST', '/v1/access/check', { ticket: 'PS-100', resource: { type: 'comment', id: `c${i}` } });
  });
  afterAll(async () => h?.close());

  it('verifies an untouched chain', async () => {
    expect((await h.req('alice-token', 'GET', '/v1/audit/verify')).json).toMatchObject({ ok: true, rows: 7 });
  });

  it('changing any one row fails at that row; restoring it verifies again', async () => {
    for (const seq of [1, 4, 7]) {
      const [orig] = await h.db.query<{ detail: unknown }>('SELECT detail FROM audit WHERE seq = $1', [seq]);
      await h.db.query(`UPDATE audit SET detail = '{"forged":true}' WHERE seq = $1`, [seq]);
      const v = (await h.req('alice-token', 'GET', '/v1/audit/verify')).json;
      expect(v).toMatchObject({ ok: false, firstBrokenRow: seq });
      await h.db.query('UPDATE audit SET detail = $2 WHERE seq = $1', [seq, JSON.stringify(orig!.detail)]);
      expect((await verifyAudit(h.db)).ok).toBe(true);
    }
    await h.db.query(`UPDATE audit SET actor = 'mallory' WHERE seq = 2`);
    expect(await verifyAudit(h.db)).toMatchObject({ ok: false, firstBrokenRow: 2 });
    await h.db.query(`UPDATE audit SET actor = 'alice' WHERE seq = 2`);
  });

  it('deleting a row fails at that row, even the last one', async () => {
    const saved = await h.db.query<Record<string, unknown>>('SELECT * FROM audit WHERE seq IN (3, 7) ORDER BY seq');
    await h.db.query('DELETE FROM audit WHERE seq = 3');
    expect(await verifyAudit(h.db)).toMatchObject({ ok: false, firstBrokenRow: 3 });
    await h.db.query('DELETE FROM audit WHERE seq = 7');
    expect(await verifyAudit(h.db)).toMatchObject({ ok: false, firstBrokenRow: 3 });
    for (const r of saved) {
      await h.db.query('INSERT INTO audit (seq, at, actor, actor_kind, action, ticket, resource, outcome, detail, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)', [
        r.seq,
        r.at,
        r.actor,
        r.actor_kind,
        r.action,
        r.ticket,
        JSON.stringify(r.resource),
        r.outcome,
        JSON.stringify(r.detail),
        r.prev_hash,
        r.hash,
      ]);
    }
    expect((await verifyAudit(h.db)).ok).toBe(true);
    await h.db.query('DELETE FROM audit WHERE seq = 7');
    expect(await verifyAudit(h.db)).toMatchObject({ ok: false, firstBrokenRow: 7 });
  });
});

describe('npm run audit:verify', () => {
  it('exits 0 on a good --data dir and 1 naming the row after tampering', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ac-audit-'));
    let db = await openPglite(dir);
    const api = await createApp({ world: WORLD, db, log: () => {} });
    for (const t of ['PS-100', 'PS-101']) {
      await api.app.request(`/v1/tickets/${t}/grants`, { method: 'POST', headers: { authorization: 'Bearer alice-token' } });
    }
    await api.close();
    await db.close();
    const run = () =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/server/audit-verify-cli.ts', '--data', dir], { cwd: join(__dirname, '../..'), encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });
    const good = run();
    expect(good.status, good.stderr).toBe(0);
    expect(good.stdout).toContain('2 rows');
    db = await openPglite(dir);
    await db.query(`UPDATE audit SET outcome = 'refused' WHERE seq = 2`);
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
      expect((await h.req('bob-token', 'GET', '/v1/audit/stream')).status).toBe(403);
      await h.req('alice-token', 'POST', '/v1/tickets/PS-100/grants', {});
      const ctrl = new AbortController();
      const res = await h.api.app.request('/v1/audit/stream', { headers: { authorization: 'Bearer alice-token', 'last-event-id': '0' }, signal: ctrl.signal });
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      const until = async (re: RegExp) => {
        while (!re.test(text)) text += (await reader.read()).value ?? '';
      };
      await until(/id: 1\.[0-9a-f]{16}\n/); // replayed from Last-Event-ID
      await h.req('sam-token', 'POST', '/v1/access/check', { ticket: 'PS-100', resource: { type: 'page', id: 'p9' } });
      await until(/"p9"/); // live
      expect(text).toMatch(/event: audit\n/);
      expect(text.search(/id: 1\./)).toBeLessThan(text.search(/id: 2\./));
      ctrl.abort();
      await reader.cancel().catch(() => {});
    } finally {
      await h.close();
    }
  });

  it('costs the enforcement point no reads while nobody streams, and a later stream starts at the present', async () => {
    const h = await harness('pglite');
    try {
      await h.req('alice-token', 'POST', '/v1/tickets/PS-100/grants', {});
      const tailReads: string[] = [];
      const query = h.db.query.bind(h.db);
      h.db.query = (async (sql: string, params?: unknown[]) => {
        if (/FROM audit WHERE seq >/.test(sql)) tailReads.push(sql);
        return query(sql, params);
      }) as typeof h.db.query;
      for (let i = 0; i < 20; i++) await h.req('sam-token', 'POST', '/v1/access/check', { ticket: 'PS-100', resource: { type: 'page', id: `idle-${i}` } });
      await new Promise((r) => setTimeout(r, 50));
      expect(tailReads).toEqual([]);

      const ctrl = new AbortController();
      const res = await h.api.app.request('/v1/audit/stream', { headers: { authorization: 'Bearer alice-token' }, signal: ctrl.signal });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      while (!text.includes(': connected')) text += (await reader.read()).value ?? '';
      await h.req('sam-token', 'POST', '/v1/access/check', { ticket: 'PS-100', resource: { type: 'page', id: 'live-after-idle' } });
      while (!text.includes('live-after-idle')) text += (await reader.read()).value ?? '';
      expect(text).not.toContain('idle-19'); // no backlog replayed to a stream that asked for none
      ctrl.abort();
      await reader.cancel().catch(() => {});
    } finally {
      await h.close();
    }
  });
});
