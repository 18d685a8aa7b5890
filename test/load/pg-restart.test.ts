// PostgreSQL restarted under load, on a throwaway cluster this test starts: while the database is
// down the API answers 503 problem+json (never hangs, never 500), it recovers by itself when the
// database is back, and every grant or revoke it acknowledged is still there afterwards, with its
// audit row, in a chain that still verifies.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, loadWorld, sleep, spawnApi, writeWorld, type RunningApi } from './helpers';
import { postgresAvailable, startPgCluster, type PgCluster } from './pg-cluster';
import { ROUTES } from '../../src/api/contract';
import { callApi } from '../support/api-call';

const serverExists = existsSync(new URL('../../src/server/main.ts', import.meta.url));

describe.skipIf(!serverExists || !postgresAvailable())('PostgreSQL restarted under load', () => {
  let pg: PgCluster;
  let server: RunningApi;
  const world = loadWorld({ orgAdmins: 4, siteAdmins: 0, tickets: 60 });
  beforeAll(async () => {
    pg = await startPgCluster();
    server = await spawnApi({ fixture: writeWorld(world), args: ['--audit-key', join(mkdtempSync(join(tmpdir(), 'ac-pg-restart-')), 'audit-key.pem')], env: { DATABASE_URL: pg.url } });
  });
  afterAll(async () => {
    await server?.stop();
    pg?.destroy();
  });

  it('answers 503 problem+json while down, recovers, loses nothing acknowledged', async () => {
    const tickets = world.tickets.filter((t) => t.site !== 'site-g').map((t) => t.key);
    const live = new Map<string, string>(); // ticket → acknowledged, not yet revoked grant id
    const granted = new Map<string, string>(); // grant id → ticket
    const revoked = new Set<string>();
    const bad: string[] = [];
    let unavailable = 0;
    let okDuringOutage = 0;
    let phase: 'up' | 'down' | 'back' = 'up';
    let stop = false;

    const client = async (n: number) => {
      for (let i = n; !stop; i += 4) {
        const ticket = tickets[i % tickets.length]!;
        const grantId = live.get(ticket);
        let a;
        try {
          a = grantId
            ? await callApi(server.base, `org-${n}-token`, ROUTES.revoke, { id: grantId }, {}, { signal: AbortSignal.timeout(8_000) })
            : await callApi(server.base, `org-${n}-token`, ROUTES.grant, { key: ticket }, {}, { signal: AbortSignal.timeout(8_000) });
        } catch (e) {
          bad.push(`${phase}: ${(e as Error).name} ${String((e as Error & { cause?: Error }).cause?.message ?? (e as Error).message)}`);
          continue;
        }
        if (a.status === 503) {
          unavailable++;
          if (!a.type.includes('application/problem+json')) bad.push(`503 as ${a.type}`);
          await sleep(20);
          continue;
        }
        if (a.status === 409) continue; // another client got there first
        if (a.status >= 300) {
          bad.push(`${phase}: ${a.status} ${JSON.stringify(a.json).slice(0, 200)}`);
          continue;
        }
        if (phase === 'down') okDuringOutage++;
        if (grantId) {
          revoked.add(grantId);
          live.delete(ticket);
        } else {
          granted.set(a.json.id, ticket);
          live.set(ticket, a.json.id);
        }
      }
    };
    const clients = [0, 1, 2, 3].map(client);
    await sleep(2_000);
    const before = granted.size;
    expect(before).toBeGreaterThan(10);

    phase = 'down';
    pg.stop('fast');
    await sleep(3_000);
    const unavailableWhileDown = unavailable;
    pg.start();
    phase = 'back';
    const upAt = Date.now();
    const writesAtRestart = granted.size + revoked.size;
    while (granted.size + revoked.size === writesAtRestart && Date.now() - upAt < 30_000) await sleep(50);
    const recoveryMs = Date.now() - upAt;
    await sleep(2_000);
    stop = true;
    await Promise.all(clients);

    expect([...new Set(bad)], server.stderr().slice(-3000)).toEqual([]);
    expect(unavailableWhileDown).toBeGreaterThan(0);
    expect(recoveryMs).toBeLessThan(30_000);
    expect(granted.size + revoked.size).toBeGreaterThan(writesAtRestart);

    // Nothing acknowledged is lost: every acknowledged grant exists, every acknowledged revoke held.
    const byTicket = new Map<string, Array<{ id: string; state: string }>>();
    for (const t of new Set(granted.values())) {
      const r = await callApi(server.base, 'org-0-token', ROUTES.ticketGrants, { key: t });
      expect(r.status).toBe(200);
      byTicket.set(t, r.json.grants);
    }
    for (const [id, t] of granted) {
      const g = byTicket.get(t)!.find((x) => x.id === id);
      expect(g, `acknowledged grant ${id} on ${t} is gone`).toBeDefined();
      if (revoked.has(id)) expect(g!.state).toBe('revoked');
    }
    // The audit log came through the outage whole: the chain verifies, and every acknowledged
    // change has its row (a change and its audit row commit together or not at all).
    const verdict = await callApi(server.base, 'org-0-token', ROUTES.verifyAudit);
    expect(verdict.status).toBe(200);
    expect(verdict.json, JSON.stringify(verdict.json)).toMatchObject({ ok: true });
    expect(verdict.json.rows).toBeGreaterThanOrEqual(granted.size + revoked.size);
    const log = await auditLog(server.base, 'org-0-token');
    expect(log.length).toBe(verdict.json.rows);
    const rowsOf = (action: string) => new Set(log.filter((e) => e.action === action && e.outcome === 'done').map((e) => e.resource?.id));
    const created = rowsOf('grant.create');
    const revokes = rowsOf('grant.revoke');
    expect(
      [...granted.keys()].filter((id) => !created.has(id)),
      'acknowledged grants with no audit row',
    ).toEqual([]);
    expect(
      [...revoked].filter((id) => !revokes.has(id)),
      'acknowledged revokes with no audit row',
    ).toEqual([]);
    console.log(
      `pg restart: ${granted.size} grants, ${revoked.size} revokes acknowledged; ${unavailableWhileDown} × 503 while down, ${okDuringOutage} ok during outage; recovered ${recoveryMs} ms after restart`,
    );
  }, 90_000);
});
