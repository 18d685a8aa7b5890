// What `npm start` prints for SCIM works as printed (demo/CASES.md, "Provisioning by SCIM"): on the
// demo world served over a socket, the setup makes a scim key and a "Jira admins" group with its
// role; the printed one-line curl, run by the real curl, adds Frank to the group and he can grant
// on PS-107 at once; the other takes him out. A second start replaces the key (the old one is
// refused) and reuses the group.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessApp, createApp } from '../../../../src/server/app';
import { type Db, openPglite } from '../../../../src/server/db/index';
import { DEMO_SCIM_KEY_NAME, setUpDemoScim } from '../../../../scripts/demo-scim';
import { ROUTES } from '../../../../src/api/contract';
import { callApi } from '../../../support/api-call';

const DEMO_WORLD = join(import.meta.dirname, '../../../../fixtures/demo-world.json');

describe('npm start: the SCIM key and the one-line curl', () => {
  let api: AccessApp;
  let db: Db;
  let server: Server;
  let url: string;
  beforeAll(async () => {
    db = await openPglite();
    api = await createApp({ world: JSON.parse(readFileSync(DEMO_WORLD, 'utf8')), db, log: () => {} });
    const port = await new Promise<number>((resolve) => {
      server = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port)) as Server;
    });
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await api?.close();
    await db?.close();
  });

  const canGrant = async (who: string) => {
    const res = await callApi(url, `${who}-token`, ROUTES.eligibility, { key: 'PS-107' });
    return (res.json as { allowed: boolean }).allowed;
  };
  /** Runs a printed `curl …` line as the shell would split it (single-quoted words); the HTTP status. Asynchronous: the API answers from this process. */
  const run = async (line: string) => {
    const words = [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
    expect(words[0]).toBe('curl');
    return (await promisify(execFile)('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', ...words.slice(1)], { encoding: 'utf8' })).stdout;
  };

  it('adds Frank to a group that holds a role, and takes him out', async () => {
    expect(await canGrant('frank')).toBe(false);
    const first = await setUpDemoScim(url, 'alice-token', 'frank');
    expect(first.key).toMatch(/^acak_/);
    expect(await run(first.addCurl)).toBe('204');
    expect(await canGrant('frank')).toBe(true);
    expect(await run(first.removeCurl)).toBe('204');
    expect(await canGrant('frank')).toBe(false);

    const second = await setUpDemoScim(url, 'alice-token', 'frank');
    expect(second.groupId).toBe(first.groupId);
    expect(await run(first.addCurl)).toBe('401');
    const keys = (await callApi(url, 'alice-token', ROUTES.apiKeys)).json as { keys: Array<{ name: string }> };
    expect(keys.keys.filter((k) => k.name === DEMO_SCIM_KEY_NAME)).toHaveLength(1);
    expect(await run(second.addCurl)).toBe('204');
    expect(await canGrant('frank')).toBe(true);
  });
});
