// The popup's words for a parked AI-conversation grant and a parked role change (issues 23 and 21):
// from the real Access API's records (in process, PGlite), never from the page that asked.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { ROUTES } from '../../src/api/contract';
import { type InProcessApi, signInBackground, startApiAsFetch, stubChrome } from './api-world';

const BASE = 'http://localhost:4999';
let api: InProcessApi;
const store = new Map<string, unknown>();

beforeAll(async () => {
  api = await startApiAsFetch();
  stubChrome(store);
  await signInBackground(BASE, 'alice-token');
}, 60_000); // PGlite's first start is slow on a busy 2-core machine
afterAll(async () => {
  vi.unstubAllGlobals();
  await api?.close();
});

describe('what the popup says a parked action does', () => {
  test('an AI-conversation grant names the conversations by title and owner where the API knows them', async () => {
    const { describeAction } = await import('../../src/background/action-labels');
    const label = await describeAction({ kind: 'ai_grant', ticket: 'PS-105', conversations: ['rovo-conv-8812', 'rovo-conv-8813'], idempotencyKey: 'k' });
    expect(label).toBe('Let Support read AI conversations “Why does the nightly export stop at 2 AM?” (Tomás Ferreira), rovo-conv-8813 on PS-105');
  });

  test('a role assignment and its removal say who, which role and where, from the API’s records', async () => {
    const { describeAction } = await import('../../src/background/action-labels');
    expect(await describeAction({ kind: 'role_assign', roleAssignment: { user: 'bob', role: 'product_admin', site: 'acme-main', product: 'confluence' }, idempotencyKey: 'k' })).toBe(
      'Give Bob Okafor the Product admin role of Confluence on acme.atlassian.net',
    );
    const made = await api.call('alice-token', ROUTES.createRoleAssignment, { user: 'frank', role: 'technical_contact', site: 'acme-main', products: ['jira', 'confluence'] });
    expect(made.status).toBe(201);
    expect(await describeAction({ kind: 'role_remove', roleAssignmentId: String(made.json.id), idempotencyKey: 'k' })).toBe(
      "Remove Frank Moreau's Technical contact role of Jira, Confluence on acme.atlassian.net",
    );
  });
});
