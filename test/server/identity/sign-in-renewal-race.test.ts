// Outside review 2026-12-07 (kind: two writers). Two API processes on one PostgreSQL renew the same
// session at the same moment (a worker retrying on another replica, or a thief holding the session
// and a fresh ID token): exactly one renewal wins, so no second successor lives on past a sign-out
// with the first. Real PostgreSQL (skipped without DATABASE_URL), real demo identity provider.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoIdp, type DemoIdp } from '../../../scripts/demo-idp';
import { createApp, type AccessApp } from '../../../src/server/app';
import { openPostgres, type Db } from '../../../src/server/db/index';
import { ADMIN_URL, scratchDatabase, WORLD, TEST_AUDIT_KEY } from '../helpers';
import { refreshAtProvider, signInAtProvider } from './oidc-flow';
import { ROUTES } from '../../../src/api/contract';
import { callApi } from '../../support/api-call';

describe.skipIf(!ADMIN_URL)('renewals racing on two API processes over PostgreSQL', () => {
  let idp: DemoIdp;
  let dbs: Db[] = [];
  let apps: AccessApp[] = [];
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    idp = await startDemoIdp({ port: 0, people: WORLD.users.map((u) => ({ id: u.id, name: u.name, email: u.email, emailVerified: u.emailVerified })) });
    const scratch = await scratchDatabase();
    drop = scratch.drop;
    const world = { ...WORLD, organization: { ...WORLD.organization, identity: { issuer: idp.issuer, clientId: 'access-companion' } } };
    dbs = [await openPostgres(scratch.url), await openPostgres(scratch.url)];
    apps = [
      await createApp({ auditSigning: { key: TEST_AUDIT_KEY }, world: structuredClone(world), db: dbs[0]!, log: () => {} }),
      await createApp({ auditSigning: { key: TEST_AUDIT_KEY }, world: structuredClone(world), db: dbs[1]!, log: () => {} }),
    ];
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    for (const d of dbs) await d.close();
    await drop?.();
    await idp?.close();
  });

  it('one renewal of a session wins; signing out with it leaves no live session', async () => {
    const first = await signInAtProvider(idp.issuer, 'gwen@acme.test');
    const opened = await callApi(apps[0]!.app, first.idToken, ROUTES.createSession, { nonce: first.nonce });
    expect(opened.status).toBe(201);
    const a = (opened.json as { token: string }).token;
    const fresh = await refreshAtProvider(first.as, first.refreshToken!);
    const both = await Promise.all(apps.map((x) => callApi(x.app, fresh.idToken, ROUTES.createSession, { nonce: first.nonce, previousSession: a })));
    expect(both.map((r) => r.status).sort()).toEqual([201, 401]);
    const winner = (both.find((r) => r.status === 201)!.json as { token: string }).token;
    expect((await callApi(apps[1]!.app, winner, ROUTES.signOut, {})).json).toEqual({ ended: true });
    for (const t of [a, winner]) expect((await callApi(apps[0]!.app, t, ROUTES.me)).status).toBe(401);
    expect(await dbs[0]!.query("SELECT 1 FROM sessions WHERE user_id = 'gwen' AND ended_at IS NULL AND expires_at > $1", [Date.now()])).toHaveLength(0);
  });
});
