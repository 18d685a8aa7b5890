// Racing deciders and retried requests: one decision, one row.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, loadWorld, spawnApi, writeWorld, type RunningApi } from './helpers';
import { ROUTES } from '../../src/api/contract';
import { callApi } from '../support/api-call';

const serverExists = existsSync(new URL('../../src/server/main.ts', import.meta.url));

describe.skipIf(!serverExists)('races and retries', () => {
  let server: RunningApi;
  const world = loadWorld({ orgAdmins: 10, siteAdmins: 10, guardAdmins: 10, tickets: 10 });
  beforeAll(async () => {
    server = await spawnApi({ fixture: writeWorld(world) });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('ten Guard admins racing on one pending grant: exactly one decision', async () => {
    const g = await callApi(server.base, 'org-0-token', ROUTES.grant, { key: 'LTG-0' }, {});
    expect(g.status).toBe(201);
    expect(g.json.state).toBe('pending_guard_approval');
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => callApi(server.base, `guard-${i}-token`, ROUTES.guardDecision, { id: g.json.id }, { decision: i % 2 === 0 ? 'approve' : 'deny' })),
    );
    const won = answers.filter((a) => a.status >= 200 && a.status < 300);
    expect(won).toHaveLength(1);
    for (const a of answers.filter((x) => x.status >= 300)) {
      expect(a.status).toBe(409);
      expect(a.type).toContain('application/problem+json');
    }
    const winner = answers.indexOf(won[0]!);
    const decision = winner % 2 === 0 ? 'approve' : 'deny';
    const list = await callApi(server.base, 'org-0-token', ROUTES.ticketGrants, { key: 'LTG-0' });
    const mine = list.json.grants.find((x: { id: string }) => x.id === g.json.id);
    expect(mine.state).toBe(decision === 'approve' ? 'active' : 'denied');
    // One decision in the audit log too: the winner's; the nine others, if logged, only as refused.
    const attempts = (await auditLog(server.base, 'org-0-token', { ticket: 'LTG-0' })).filter((e) => e.action.startsWith('grant.guard_') && (e.resource?.id === g.json.id || e.outcome === 'refused'));
    expect(attempts.filter((e) => e.outcome !== 'refused').map((e) => [e.actor, e.action, e.outcome, e.resource?.id])).toEqual([[`guard-${winner}`, `grant.guard_${decision}`, 'done', g.json.id]]);
    expect(attempts.filter((e) => e.actor === `guard-${winner}`)).toHaveLength(1);
  });

  it('ten reviewers racing on one product access request: exactly one decision', async () => {
    const r = await callApi(server.base, 'member-token', ROUTES.requestProductAccess, { site: 'site-a', product: 'jira' });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => callApi(server.base, `org-${i}-token`, i % 2 === 0 ? ROUTES.approveAccessRequest : ROUTES.denyAccessRequest, { id: r.json.id }, {})),
    );
    const won = answers.filter((a) => a.status >= 200 && a.status < 300);
    expect(won).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(9);
    const winner = answers.indexOf(won[0]!);
    const decision = winner % 2 === 0 ? 'approve' : 'deny';
    expect(won[0]!.json.state).toBe(decision === 'approve' ? 'approved' : 'denied');
    const attempts = (await auditLog(server.base, 'org-0-token')).filter((e) => /^access_request\.(approve|deny)$/.test(e.action) && (e.resource?.id === r.json.id || e.outcome === 'refused'));
    expect(attempts.filter((e) => e.outcome !== 'refused').map((e) => [e.actor, e.action, e.outcome, e.resource?.id])).toEqual([[`org-${winner}`, `access_request.${decision}`, 'done', r.json.id]]);
    expect(attempts.filter((e) => e.actor === `org-${winner}`)).toHaveLength(1);
  });

  it('ten admins granting the same ticket at once: one live grant', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => callApi(server.base, `org-${i}-token`, ROUTES.grant, { key: 'LTA-1' }, {})));
    const created = answers.filter((a) => a.status === 201);
    const list = await callApi(server.base, 'org-0-token', ROUTES.ticketGrants, { key: 'LTA-1' });
    const live = list.json.grants.filter((g: { kind: string; state: string }) => g.kind === 'data' && ['active', 'pending_guard_approval'].includes(g.state));
    expect(live).toHaveLength(1);
    expect(new Set(created.map((a) => a.json.id)).size).toBe(1);
    const made = (await auditLog(server.base, 'org-0-token', { ticket: 'LTA-1' })).filter((e) => e.action === 'grant.create' && e.outcome === 'done');
    expect(made.map((e) => e.resource?.id)).toEqual([live[0].id]);
  });

  it('a retried grant with the same Idempotency-Key makes exactly one grant and one audit row', async () => {
    const key = `retry-${Date.now()}`;
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await callApi(server.base, 'org-1-token', ROUTES.grant, { key: 'LTB-2' }, {}, { headers: { 'idempotency-key': key } }));
    answers.push(...(await Promise.all(Array.from({ length: 5 }, () => callApi(server.base, 'org-1-token', ROUTES.grant, { key: 'LTB-2' }, {}, { headers: { 'idempotency-key': key } })))));
    const ids = new Set(answers.filter((a) => a.status < 300).map((a) => a.json.id));
    expect(ids.size).toBe(1);
    const list = await callApi(server.base, 'org-1-token', ROUTES.ticketGrants, { key: 'LTB-2' });
    expect(list.json.grants.filter((g: { kind: string }) => g.kind === 'data')).toHaveLength(1);
    const made = (await auditLog(server.base, 'org-0-token', { ticket: 'LTB-2' })).filter((e) => e.action === 'grant.create');
    expect(made.map((e) => [e.actor, e.outcome, e.resource?.id])).toEqual([['org-1', 'done', [...ids][0]]]);
  });
});
