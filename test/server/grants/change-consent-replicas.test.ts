// Consents across replicas: two API processes' apps on one PostgreSQL, each with its own
// enforcement batcher and epoch view. A one-time consent allows exactly one change whichever
// replica is asked, and no change is allowed after a revoke committed on the other replica.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_URL, appsOnOneDatabase, type SharedDatabaseApps, WORLD } from '../helpers';
import type { RouteCall } from '../../support/api-call';
import { ROUTES } from '../../../src/api/contract';

if (!ADMIN_URL) console.log('change consent across replicas: PostgreSQL suite skipped because DATABASE_URL is unset');

const BUG = { type: 'workflow', id: 'Bug', project: 'PS' };

describe.skipIf(!ADMIN_URL)('change consent across replicas on PostgreSQL', () => {
  let replicas: SharedDatabaseApps;
  beforeAll(async () => {
    replicas = await appsOnOneDatabase(WORLD);
  }, 60_000);
  afterAll(() => replicas?.close());

  const req = (replica: number, token: string, ...call: RouteCall) => replicas.call(replica, token, ...call);
  const setUp = async (key: string, once: boolean) => {
    const g = await req(0, 'bob-token', ROUTES.grant, { key }, {});
    expect(g.status).toBe(201);
    const cr = await req(1, 'sam-token', ROUTES.createChangeRequest, { key }, { action: 'update', resource: BUG, reason: 'restore Done', duration: 'PT1H', once });
    expect(cr.status).toBe(201);
    // Each replica reads (and caches) the ticket at the current epoch before the consent.
    for (const r of [0, 1]) expect((await req(r, 'sam-token', ROUTES.checkAccess, { ticket: key, resource: BUG, action: 'update' })).json.allowed).toBe(false);
    expect((await req(0, 'bob-token', ROUTES.approveChangeRequest, { id: cr.json.id }, {})).status).toBe(200);
    return { grantId: g.json.id as string, consentId: cr.json.id as string };
  };
  const check = (replica: number, key: string) => req(replica, 'sam-token', ROUTES.checkAccess, { ticket: key, resource: BUG, action: 'update' });

  it('a one-time consent allows exactly one of many checks sent to both replicas at once', async () => {
    for (let round = 0; round < 8; round++) {
      const key = `PS-${100 + round}`;
      const { consentId } = await setUp(key, true);
      const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => check(i % 2, key)));
      for (const a of answers) expect(a.status).toBe(200);
      expect(answers.filter((a) => a.json.allowed).map((a) => a.json.consentId)).toEqual([consentId]);
      expect((await req(1, 'bob-token', ROUTES.changeRequest, { id: consentId })).json.state).toBe('used');
    }
    expect((await req(0, 'alice-token', ROUTES.verifyAudit)).json.ok).toBe(true);
  }, 120_000);

  it('a revoke on one replica racing checks on both: nothing is allowed after the revoke is on record', async () => {
    for (let round = 0; round < 8; round++) {
      const key = `PS-${110 + round}`;
      const { grantId } = await setUp(key, false);
      const checks = Array.from({ length: 12 }, (_, i) => check(i % 2, key));
      const revoke = req(1, 'bob-token', ROUTES.revoke, { id: grantId }, {});
      await Promise.all([...checks, revoke]);
      expect((await revoke).status).toBe(200);
      const rows = (await req(0, 'alice-token', ROUTES.audit, { query: { ticket: key, limit: 500 } })).json.entries as Array<{ seq: number; action: string; outcome: string }>;
      const revokedAt = rows.find((r) => r.action === 'grant.revoke')!.seq;
      const allowedAfter = rows.filter((r) => r.action === 'access.change' && r.outcome === 'allowed' && r.seq > revokedAt);
      expect(allowedAfter).toEqual([]);
      for (const r of [0, 1]) expect((await check(r, key)).json.allowed).toBe(false);
    }
  }, 120_000);

  it('an approval racing a revoke on the other replica never leaves a consent alive under a revoked grant', async () => {
    for (let round = 0; round < 8; round++) {
      const key = `PS-${120 + round}`;
      const g = await req(0, 'bob-token', ROUTES.grant, { key }, {});
      const cr = await req(1, 'sam-token', ROUTES.createChangeRequest, { key }, { action: 'update', resource: BUG, reason: 'r', duration: 'PT1H', once: false });
      const [approve, revoke] = await Promise.all([
        req(round % 2, 'dev-token', ROUTES.approveChangeRequest, { id: cr.json.id }, {}),
        req((round + 1) % 2, 'bob-token', ROUTES.revoke, { id: g.json.id }, {}),
      ]);
      expect(revoke.status).toBe(200);
      expect([200, 409]).toContain(approve.status);
      const now = (await req(0, 'bob-token', ROUTES.changeRequest, { id: cr.json.id })).json;
      // Approved first: the revoke ended the consent. Revoked first: the revoke ended the waiting
      // request, and there was nothing left to approve (409).
      expect(now).toMatchObject({ state: 'ended', endReason: 'grant_revoked' });
      for (const r of [0, 1]) expect((await check(r, key)).json.allowed).toBe(false);
    }
  }, 120_000);
});
