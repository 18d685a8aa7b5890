// The record can't be quietly rewritten: every way the README lists of tampering with the audit
// trail (an edited, deleted or swapped row; a truncated tail; a recomputed chain) is caught by
// `npm run audit:verify` against the signed checkpoints: exit 1. Each tamper is done by a database
// writer (storage.ts) on a copy of one pristine trail; the pristine copy verifies (exit 0).
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Deployment, deploy } from './deployments';
import { type Backend, call, check, onEachBackend, scratchDatabase, signingKeyFiles, auditVerify as verifyCli } from './harness';
import { deleteRow, editFirstRowContaining, findTrail, openDataFolder, openDatabase, restore, type Sql, snapshot, swapRows } from './storage';

/** The storage of a stopped deployment: copies of it to tamper with, and `npm run audit:verify` on them. */
interface Stored {
  /** A fresh copy of the storage; `open` it to tamper, then `verify` it. */
  copy(): Promise<{ open(): Promise<Sql>; verify(publicKey: string, args?: string[]): Promise<{ code: number; output: string }>; drop(): Promise<void> }>;
  open(): Promise<Sql>;
}

function storedOf(d: Deployment): Stored {
  const open = () => (d.backend === 'pglite' ? openDataFolder(d.data!) : openDatabase(d.databaseUrl!));
  return {
    open,
    copy: async () => {
      if (d.backend === 'pglite') {
        const dir = join(mkdtempSync(join(tmpdir(), 'ac-gate-copy-')), 'db');
        cpSync(d.data!, dir, { recursive: true });
        return { open: () => openDataFolder(dir), verify: (key, args = []) => verifyCli(['--data', dir, '--public-key', key, ...args]), drop: async () => {} };
      }
      const name = new URL(d.databaseUrl!).pathname.slice(1);
      const copy = await scratchDatabase(name);
      return { open: () => openDatabase(copy.url), verify: (key, args = []) => verifyCli(['--public-key', key, ...args], copy.url), drop: copy.drop };
    },
  };
}

/** Runs `fn` on an open copy, closes it, and returns `npm run audit:verify` on it with the public key. */
async function tamperedCopy(s: Stored, publicKey: string, fn: (db: Sql) => Promise<void>, args: string[] = []) {
  const c = await s.copy();
  try {
    const db = await c.open();
    try {
      await fn(db);
    } finally {
      await db.close();
    }
    return await c.verify(publicKey, args);
  } finally {
    await c.drop();
  }
}

const grantIds = new Map<Deployment, string>();

/** Grants, checks allowed and refused, a revoke: the history both the victim and the forger write (the forger leaves out the refused check). */
async function history(d: Deployment, phase: 1 | 2, omitRefusedCheck = false): Promise<void> {
  const at = (i: number) => (i % 2 ? d.b : d.a).base;
  if (phase === 1) {
    const g = await call(at(0), 'alice-token', 'POST', '/v1/tickets/GATE-1/grants', {});
    expect(g.status).toBe(201);
    grantIds.set(d, g.json.id);
    for (let i = 0; i < 3; i++) expect(await check(at(i), 'GATE-1', 'sam-token', { type: 'page', id: `p${i}` })).toBe(true);
    if (!omitRefusedCheck) expect(await check(at(1), 'GATE-2')).toBe(false);
    expect((await call(at(0), 'bob-token', 'POST', '/v1/tickets/GATE-3/grants', {})).status).toBe(201);
    for (let i = 0; i < 2; i++) expect(await check(at(i), 'GATE-3', 'sam-token', { type: 'comment', id: `c${i}` })).toBe(true);
  } else {
    expect((await call(at(1), 'alice-token', 'POST', `/v1/grants/${grantIds.get(d)}/revoke`, {})).status).toBe(200);
    expect(await check(at(0), 'GATE-1')).toBe(false);
    for (let i = 0; i < 3; i++) expect(await check(at(i), 'GATE-3', 'sam-token', { type: 'attachment', id: `a${i}` })).toBe(true);
  }
}

onEachBackend(
  (backend) => `tampering with the audit trail on ${backend === 'postgres' ? 'PostgreSQL (written by two replicas)' : 'a PGlite data folder'}`,
  (backend: Backend) => {
    let victim: Deployment;
    let forger: Deployment;
    let stored: Stored;
    let forged: { trail: Map<string, string[]>; signed: Map<string, string[]> };
    let afterPhase1: Map<string, string[]>;
    let savedCheckpoints: string;
    let rowsInTrail = 0;
    const forgerKeys = signingKeyFiles();

    beforeAll(async () => {
      // The victim: phase 1, stopped (a clean shutdown), its trail as it stood then kept aside; phase 2.
      victim = await deploy(backend);
      await history(victim, 1);
      await victim.stop();
      stored = storedOf(victim);
      let db = await stored.open();
      afterPhase1 = await snapshot(db, (await findTrail(db)).trailTables);
      await db.close();
      const again = await victim.restart();
      const other = backend === 'postgres' ? await victim.restart() : again;
      const restarted = { ...victim, a: again, b: other };
      grantIds.set(restarted, grantIds.get(victim)!);
      await history(restarted, 2);
      await victim.stop();
      // A copy of the signed checkpoints kept outside the database, as a SIEM would, taken once the
      // last write is signed (a clean shutdown signs the head).
      const reader = await victim.restart();
      const page = await call(reader.base, 'alice-token', 'GET', '/v1/audit/checkpoints');
      expect(page.status).toBe(200);
      savedCheckpoints = join(mkdtempSync(join(tmpdir(), 'ac-gate-saved-')), 'checkpoints.json');
      writeFileSync(savedCheckpoints, JSON.stringify(page.json));
      await victim.stop();
      db = await stored.open();
      rowsInTrail = (await findTrail(db)).count;
      await db.close();

      // The forger: the same org, its own key, a history without Sam's refused check.
      forger = await deploy(backend, { keys: forgerKeys });
      await history(forger, 1, true);
      await history(forger, 2);
      await forger.stop();
      const fdb = await storedOf(forger).open();
      const ft = await findTrail(fdb);
      forged = { trail: await snapshot(fdb, ft.trailTables), signed: await snapshot(fdb, ft.signedTables) };
      await fdb.close();
    });
    afterAll(async () => {
      await victim?.close();
      await forger?.close();
    });

    it('the untouched trail verifies (exit 0), against the stored checkpoints and against a copy kept elsewhere', async () => {
      expect(rowsInTrail).toBeGreaterThanOrEqual(12);
      const c = await stored.copy();
      try {
        const v = await c.verify(victim.keys.publicKey);
        expect(v.code, v.output).toBe(0);
        const kept = await c.verify(victim.keys.publicKey, ['--checkpoints', savedCheckpoints]);
        expect(kept.code, kept.output).toBe(0);
      } finally {
        await c.drop();
      }
    });

    it('an edited row (a refused check made to read allowed) is caught: exit 1', async () => {
      const v = await tamperedCopy(stored, victim.keys.publicKey, async (db) => {
        const edit = await editFirstRowContaining(db, await findTrail(db), 'refused', 'allowed');
        expect(edit.columns).toBeGreaterThanOrEqual(1);
      });
      expect(v.code, v.output).toBe(1);
    });

    it('a deleted row is caught: exit 1', async () => {
      const v = await tamperedCopy(stored, victim.keys.publicKey, async (db) => deleteRow(db, await findTrail(db), 5));
      expect(v.code, v.output).toBe(1);
    });

    it('a deleted row with the later rows renumbered to close the gap is caught: exit 1', async () => {
      const v = await tamperedCopy(stored, victim.keys.publicKey, async (db) => deleteRow(db, await findTrail(db), 5, true));
      expect(v.code, v.output).toBe(1);
    });

    it('two rows swapped (reordered) are caught: exit 1', async () => {
      const v = await tamperedCopy(stored, victim.keys.publicKey, async (db) => swapRows(db, await findTrail(db), 3, 6));
      expect(v.code, v.output).toBe(1);
    });

    it('a truncated tail (rows and head rolled back to an earlier state) is caught: exit 1', async () => {
      const v = await tamperedCopy(stored, victim.keys.publicKey, async (db) => {
        await restore(db, afterPhase1);
        expect((await findTrail(db)).count).toBeLessThan(rowsInTrail);
      });
      expect(v.code, v.output).toBe(1);
    });

    it('a truncated tail with the stored signed checkpoints deleted too is caught against a copy kept elsewhere: exit 1', async () => {
      const v = await tamperedCopy(
        stored,
        victim.keys.publicKey,
        async (db) => {
          const t = await findTrail(db);
          await restore(db, afterPhase1);
          await restore(db, new Map(t.signedTables.map((s) => [s, []])));
        },
        ['--checkpoints', savedCheckpoints],
      );
      expect(v.code, v.output).toBe(1);
    });

    it('a recomputed chain (a sound history written elsewhere, put in place of ours) is caught against our signed checkpoints: exit 1', async () => {
      const v = await tamperedCopy(stored, victim.keys.publicKey, async (db) => restore(db, forged.trail));
      expect(v.code, v.output).toBe(1);
    });

    it('a recomputed chain with its own signed checkpoints verifies under the forger’s key (exit 0) and is caught under ours (exit 1)', async () => {
      const c = await stored.copy();
      try {
        const db = await c.open();
        await restore(db, forged.trail);
        await restore(db, forged.signed);
        await db.close();
        const theirs = await c.verify(forgerKeys.publicKey);
        expect(theirs.code, theirs.output).toBe(0);
        const ours = await c.verify(victim.keys.publicKey);
        expect(ours.code, ours.output).toBe(1);
      } finally {
        await c.drop();
      }
    });
  },
);
