// src/api runs in the extension's service worker: it may import zod and our core, never Node.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(__dirname, '../../src/api');

describe('src/api', () => {
  it('imports nothing Node-only', () => {
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
      const src = readFileSync(join(dir, f), 'utf8');
      const imports = [...src.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]!);
      for (const i of imports) expect(`${f}: ${i}`).toMatch(/: (zod|\.\/[\w-]+|\.\.\/core\/[\w/-]+)$/);
      expect(src).not.toMatch(/\bprocess\.|\bBuffer\b|require\(/);
    }
  });
});
