// The keyboard's code confirmation (src/shared-ext/key-confirm.tsx) is one component used by every
// framed page, so its styles live once, beside it, and come with it: no page keeps a copy that could
// drift (the console, panel and request pages each had one).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(__dirname, '..', '..', 'src');
const cssFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? cssFiles(join(dir, e.name)) : e.name.endsWith('.css') ? [join(dir, e.name)] : []));
/** Selectors of the rules in `css` (comments dropped), one per comma-separated part. */
const selectors = (css: string): string[] => [...css.replace(/\/\*[\s\S]*?\*\//g, '').matchAll(/([^{}]+)\{[^{}]*\}/g)].flatMap((m) => m[1]!.split(',').map((s) => s.trim()));

describe('key-confirm styles', () => {
  it('are defined in exactly one stylesheet, src/shared-ext/key-confirm.css', () => {
    const defining = cssFiles(SRC)
      .filter((f) => selectors(readFileSync(f, 'utf8')).some((s) => /\.key-confirm\b/.test(s)))
      .map((f) => relative(SRC, f));
    expect(defining).toEqual(['shared-ext/key-confirm.css']);
  });

  it('come with the component that uses them', () => {
    expect(readFileSync(join(SRC, 'shared-ext', 'key-confirm.tsx'), 'utf8')).toMatch(/^import '\.\/key-confirm\.css';$/m);
    const css = selectors(readFileSync(join(SRC, 'shared-ext', 'key-confirm.css'), 'utf8'));
    for (const s of ['.key-confirm-live', '.key-confirm', '.key-confirm p', '.key-confirm-code', '.key-confirm-row', '.key-confirm input', 'fieldset.key-confirm']) expect(css).toContain(s);
  });
});
