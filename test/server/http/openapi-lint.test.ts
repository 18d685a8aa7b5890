// /openapi.json must be usable by client generators: Redocly's `recommended` ruleset (offline, no
// config file) finds no error in the document the API serves, and no warning but one: the project
// has not chosen a license (package.json is private, with none), and the document will not invent one.
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../../src/api/contract';
import { harness, type Harness } from '../helpers';

describe('/openapi.json under Redocly recommended', () => {
  let h: Harness;
  let doc: { servers?: unknown[]; paths: Record<string, Record<string, { operationId?: string }>> };
  let text: string;
  beforeAll(async () => {
    h = await harness('pglite');
    const r = await h.api.app.request('/openapi.json');
    text = await r.text();
    doc = JSON.parse(text);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('has no error, and no warning but the missing license', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: text, absoluteRef: 'openapi.json', config });
    const found = problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location.map((l) => l.pointer).join(', ')}`);
    expect(found.filter((f) => !f.startsWith('warn info-license:'))).toEqual([]);
  });

  it("names each operation by its contract route's name, so generated clients read like ours", () => {
    for (const [name, d] of Object.entries(ROUTES)) expect(doc.paths[d.path]![d.method]!.operationId).toBe(name);
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });
});
