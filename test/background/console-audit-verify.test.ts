// Verify on the console audit log (issue 23): the background's handler against the real Access API
// (in process, PGlite, signing checkpoints): the verdict names the entries and the signed head.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { ROUTES } from '../../src/api/contract';
import { type InProcessApi, signInBackground, startApiAsFetch, stubChrome } from './api-world';
import { ephemeralSigningKey } from '../../src/server/audit/checkpoints';

const BASE = 'http://localhost:4999';
let api: InProcessApi;
const store = new Map<string, unknown>();
const key = ephemeralSigningKey();

beforeAll(async () => {
  // Every append signs its new head (issue 20): the newest entry is always the signed head.
  api = await startApiAsFetch({ auditSigning: { key } });
  stubChrome(store);
  await signInBackground(BASE, 'alice-token');
}, 60_000); // PGlite's first start is slow on a busy 2-core machine
afterAll(async () => {
  vi.unstubAllGlobals();
  await api?.close();
});

describe('Verify on the console audit log', () => {
  test('intact: the entries checked and the signed head the log agrees with, by key and time', async () => {
    expect((await api.call('alice-token', ROUTES.grant, { key: 'PS-101' }, {})).status).toBe(201);
    const read = () => api.call('sam-token', ROUTES.checkAccess, { ticket: 'PS-101', resource: { type: 'page', id: 'export-settings' } });
    expect((await read()).json.allowed).toBe(true);
    expect((await read()).json.allowed).toBe(true);
    const [newest] = await api.db.query<{ seq: string }>('SELECT seq::text FROM audit_rows WHERE signed_note IS NOT NULL ORDER BY seq DESC LIMIT 1');
    const signed = { seq: Number(newest!.seq) };
    const total = Number((await api.call('alice-token', ROUTES.audit, { query: { limit: 1 } })).json.total);

    const { verifyAudit } = await import('../../src/background/handlers-console');
    const v = await verifyAudit();
    expect(v).toMatchObject({ ok: true, entries: total, signedHead: { seq: signed.seq, keyId: key.keyId } });
    expect(v.signedHead?.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    // No unsigned window: the newest entry is the signed head (the API calls unsigned rows broken),
    // so the verdict carries no "newest row" beside it for words about entries waiting to be signed.
    expect(signed.seq).toBe(total);
    expect(Object.keys(v).sort()).toEqual(['checkedAt', 'checkpoints', 'entries', 'ok', 'signedHead']);
  });

  test('someone who may not read the audit log gets the API refusal, not a verdict', async () => {
    const { saveSettings } = await import('../../src/background/settings');
    await saveSettings({ apiBaseUrl: BASE, token: 'dev-token' });
    try {
      const { verifyAudit } = await import('../../src/background/handlers-console');
      await expect(verifyAudit()).rejects.toThrow(/org admins/);
    } finally {
      await saveSettings({ apiBaseUrl: BASE, token: 'alice-token' });
    }
  });
});
