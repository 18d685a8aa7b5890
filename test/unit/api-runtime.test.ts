// `npm run api` and the code that starts the API for `npm start` and the benchmarks must start it
// the same way: the memory figures in the bench are only true of the settings users run.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_ENV, API_NODE_ARGS, apiScript } from '../../scripts/api-runtime';

describe('the API process settings', () => {
  it('package.json\'s "api" script is the one scripts/api-runtime.ts describes', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.api).toBe(apiScript());
  });

  it('caps the young generation and the malloc arenas', () => {
    expect(API_NODE_ARGS).toContain('--max-semi-space-size=4');
    expect(API_ENV.MALLOC_ARENA_MAX).toBe('2');
  });
});
