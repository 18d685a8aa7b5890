// Every extension API call goes through webextension-polyfill's promise-based `browser`
// (src/shared-ext/browser.ts), so the same code runs in Chrome and Firefox. This fails when a file
// in src/ reaches for `chrome.*` itself.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(ts|tsx|js|jsx|mjs)$/.test(e.name) ? [path] : [];
  });
}

/** Code without comments and string contents (a comment may name `chrome.storage`; code may not). */
function codeOnly(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(^|[^:\\])\/\/.*$/gm, '$1')
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, "''");
}

/** Lines of `text` that use the `chrome` global: `chrome.x`, `chrome?.x`, `chrome['x']`, `typeof chrome`, `globalThis.chrome`. */
function directChromeUses(text: string): string[] {
  return codeOnly(text)
    .split('\n')
    .filter((line) => /(^|[^\w$.])chrome\s*(\?\.|\.|\[)|typeof\s+chrome\b|globalThis\s*\.\s*chrome\b|\bself\s*\.\s*chrome\b/.test(line))
    .map((l) => l.trim());
}

describe('extension APIs go through the polyfill', () => {
  test('the check catches each way of reaching chrome, and ignores comments and strings', () => {
    for (const bad of [
      'chrome.runtime.sendMessage({})',
      'await chrome?.storage.local.get("x")',
      "chrome['tabs'].query({})",
      "typeof chrome !== 'undefined'",
      'globalThis.chrome.runtime.id',
      'let p: chrome.runtime.Port;',
    ]) {
      expect(directChromeUses(bad), bad).toHaveLength(1);
    }
    for (const fine of ['// chrome.runtime calls throw', '/* chrome.storage.local */', "const url = 'chrome-extension://x/';", "target: 'chrome120'", 'browser.runtime.id', 'mychrome.x']) {
      expect(directChromeUses(fine), fine).toEqual([]);
    }
  });

  test('no file in src/ calls chrome.* directly; the extension code imports browser from shared-ext/browser.ts', () => {
    const offenders: string[] = [];
    let viaAdapter = 0;
    for (const file of sources(SRC)) {
      const text = readFileSync(file, 'utf8');
      for (const line of directChromeUses(text)) offenders.push(`${relative(ROOT, file)}: ${line}`);
      if (/from '(\.\.?\/)+(shared-ext\/)?browser'/.test(text)) viaAdapter++;
      const rel = relative(SRC, file);
      if (rel !== join('shared-ext', 'browser.ts')) expect(text, rel).not.toMatch(/from 'webextension-polyfill'/);
    }
    expect(offenders).toEqual([]);
    expect(viaAdapter).toBeGreaterThan(10);
  });

  test('a file that uses browser.* imports it (a global `browser` type would hide a missing import until run time)', () => {
    const missing = sources(SRC)
      .filter((file) => relative(SRC, file) !== join('shared-ext', 'browser.ts'))
      .filter((file) => {
        const text = readFileSync(file, 'utf8');
        return /(^|[^\w$.])browser\s*\.\s*[a-z]/m.test(codeOnly(text)) && !/import \{[^}]*\bbrowser\b[^}]*\} from '(\.\.?\/)+(shared-ext\/)?browser'/.test(text);
      })
      .map((file) => relative(ROOT, file));
    expect(missing).toEqual([]);
  });
});
