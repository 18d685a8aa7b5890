// The contract (src/api/contract.ts) is the one declaration of the HTTP API: the app answers exactly
// its routes, the OpenAPI document is made from it, and the extension's client writes no path or
// cast of its own.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { honoPath, ROUTES as API_ROUTES } from '../../../src/api/contract';
import { SCIM_ROUTES } from '../../../src/api/scim-contract';

// The Access API's routes and the SCIM service provider's (declared apart: SCIM's bodies and errors are RFC 7644's).
const ROUTES = { ...API_ROUTES, ...SCIM_ROUTES };
import { harness, type Harness } from '../helpers';

describe('one contract', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness('pglite');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('the app registers exactly the contract routes, method and path', () => {
    const registered = h.api.app.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method} ${r.path}`)
      .sort();
    const declared = Object.values(ROUTES)
      .map((d) => `${d.method.toUpperCase()} ${honoPath(d.path)}`)
      .sort();
    expect(registered).toEqual(declared);
  });

  it('/openapi.json has one operation per contract route, with its summary', async () => {
    const doc = (await (await h.api.app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, { summary: string }>> };
    const ops = Object.entries(doc.paths)
      .flatMap(([path, byMethod]) => Object.keys(byMethod).map((m) => `${m} ${path}`))
      .sort();
    expect(ops).toEqual(
      Object.values(ROUTES)
        .map((d) => `${d.method} ${d.path}`)
        .sort(),
    );
    for (const d of Object.values(ROUTES)) expect(doc.paths[d.path]![d.method]!.summary).toBe(d.summary);
  });

  it('the client has no hand-written path and no cast: every call comes from the contract', () => {
    const code = readFileSync(join(import.meta.dirname, '../../../src/api/client.ts'), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/(^|[^:])\/\/.*$/gm, '$1')
      .replace(/^import .*$/gm, '');
    expect(code).not.toMatch(/['"`]\/(v1|healthz|openapi)/);
    expect(code.match(/\bas\s+(?!const\b)[A-Z{(\w]/g) ?? []).toEqual([]);
    expect(code).toMatch(/ROUTES\.\w+/);
  });

  it('the server registers no path string: route modules name contract routes', () => {
    const serverDir = join(import.meta.dirname, '../../../src/server');
    const routeModules = (readdirSync(serverDir, { recursive: true }) as string[]).filter((f) => /(^|\/)([\w-]+-)?routes\.ts$/.test(f));
    expect(routeModules.length).toBeGreaterThanOrEqual(9);
    for (const file of routeModules) {
      const code = readFileSync(join(serverDir, file), 'utf8');
      expect(code, file).not.toMatch(/\br\.(get|post|on)\(\s*['"`]/);
    }
  });
});
