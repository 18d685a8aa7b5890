// Outside review 2026-12-07 (kind: stale facts). "Deleting a key refuses it from its next request
// on every API process", and a signed-out session likewise; but an event stream is one request.
// The audit stream a SIEM opened with a key (or an admin with a session) was authorised once, when
// it opened, and kept sending every new audit row after the key was deleted: the row of its own
// deletion first. A stream must end when its credential does.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type AccessApp } from '../../src/server/app';
import { openPglite, type Db } from '../../src/server/db/index';
import { WORLD } from './helpers';

let api: AccessApp | undefined;
let db: Db | undefined;
afterEach(async () => {
  await api?.close();
  await db?.close();
});

const admin = (method: string, path: string, body?: unknown) =>
  api!.app.request(path, {
    method,
    headers: { authorization: 'Bearer alice-token', ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });

/** Reads the stream until it ends or an audit event with `action` arrives; which one happened. */
async function readUntil(body: ReadableStream<Uint8Array>, action: string): Promise<'ended' | 'received'> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return 'ended';
    text += decoder.decode(value, { stream: true });
    if (text.includes(`"action":"${action}"`)) {
      await reader.cancel();
      return 'received';
    }
  }
}

describe('an open audit stream', () => {
  // Fault: stale facts (the stream keeps the authorisation it was opened with).
  it.fails('ends when the API key it was opened with is deleted, sending nothing written after', async () => {
    db = await openPglite();
    api = await createApp({ world: WORLD, db, log: () => {}, rateLimitPerMinute: 100_000 });
    const made = await admin('POST', '/v1/api-keys', { name: 'SIEM', scopes: ['audit_read'] });
    const key = (await made.json()) as { id: string; secret: string };
    const stream = await api.app.request('/v1/audit/stream', { headers: { authorization: `Bearer ${key.secret}` } });
    expect(stream.status).toBe(200);
    expect((await admin('DELETE', `/v1/api-keys/${key.id}`)).status).toBe(204);
    // A later row: the deleted key must not read it.
    expect((await admin('POST', '/v1/api-keys', { name: 'another', scopes: ['scim'] })).status).toBe(201);
    expect(await readUntil(stream.body!, 'api_key.create')).toBe('ended');
  }, 30_000);
});
