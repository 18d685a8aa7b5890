// Checks the built extensions as the browsers will load them: the store build (dist/), the demo
// build the other e2e tests load (dist-demo/) and the Firefox build (dist-firefox/).
// `npm test` builds all three first.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DIST, ROOT } from './harness';

const STORE = join(ROOT, 'dist');
const FIREFOX = join(ROOT, 'dist-firefox');

function read(dir: string) {
  if (!existsSync(join(dir, 'manifest.json'))) throw new Error(`${dir} is missing: run \`npm run build && npm run build:demo && npm run build:firefox\``);
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
}
const manifest = read(DIST);
const store = read(STORE);
const firefox = read(FIREFOX);

const VENDOR_FRAME_ORIGINS = ['https://admin.atlassian.com/*', 'https://support.atlassian.com/*'];
const DEMO_FRAME_ORIGINS = ['http://admin.localhost/*', 'http://support.localhost/*'];
const FRAME_ORIGINS = [...DEMO_FRAME_ORIGINS, ...VENDOR_FRAME_ORIGINS];
/** Product sites: only their product paths, where the "You don't have access" page shows. */
const VENDOR_PRODUCT_PAGES = ['https://*.atlassian.net/jira*', 'https://*.atlassian.net/wiki*'];
const PRODUCT_PAGES = ['http://*.localhost/jira*', 'http://*.localhost/wiki*', ...VENDOR_PRODUCT_PAGES];

function files(dir: string): string[] {
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [relative(dir, join(d, e.name))]));
  return walk(dir);
}
const sorted = (xs: string[]) => [...xs].sort();

describe('demo build (dist-demo/manifest.json), which npm start and the e2e tests load', () => {
  test('is Manifest V3 with a module service worker and Chrome 120+', () => {
    expect(manifest.manifest_version).toBe(3);
    expect(manifest.background).toMatchObject({ type: 'module' });
    expect(Number(manifest.minimum_chrome_version)).toBeGreaterThanOrEqual(120);
    for (const path of [manifest.background.service_worker, manifest.action.default_popup, manifest.options_ui.page, ...Object.values(manifest.icons)]) {
      expect(files(DIST), String(path)).toContain(path);
    }
  });

  test('asks for no <all_urls> and no broad host access up front', () => {
    const text = JSON.stringify(manifest);
    expect(text).not.toContain('<all_urls>');
    expect(text).not.toMatch(/"\*:\/\/\*\/\*"/);
    // The API's local addresses, plus the pages our content script already runs on (to inject the
    // updated script into open tabs): no host the content script does not already reach.
    expect(sorted(manifest.host_permissions)).toEqual(sorted(['http://127.0.0.1/*', 'http://localhost/*', ...FRAME_ORIGINS, ...PRODUCT_PAGES]));
    expect(sorted(manifest.permissions)).toEqual(['alarms', 'identity', 'notifications', 'scripting', 'storage']);
    for (const script of manifest.content_scripts) expect(sorted(script.matches)).toEqual(sorted([...FRAME_ORIGINS, ...PRODUCT_PAGES]));
  });

  test('no other extension or web page may connect', () => {
    expect(manifest.externally_connectable).toEqual({ ids: [], matches: [] });
  });

  test('only our four frame pages are web-accessible, each only to the site it is framed into', () => {
    // Per page (the build may list pages with the same origins in one entry).
    const byPage = Object.fromEntries(manifest.web_accessible_resources.flatMap((w: { resources: string[] }) => w.resources.map((r) => [r, w])));
    expect(Object.keys(byPage).sort()).toEqual(['src/consent/index.html', 'src/console/index.html', 'src/panel/index.html', 'src/request/index.html']);
    expect([...byPage['src/panel/index.html'].matches].sort()).toEqual(['http://support.localhost/*', 'https://support.atlassian.com/*']);
    expect([...byPage['src/consent/index.html'].matches].sort()).toEqual(['http://support.localhost/*', 'https://support.atlassian.com/*']);
    expect([...byPage['src/console/index.html'].matches].sort()).toEqual(['http://admin.localhost/*', 'https://admin.atlassian.com/*']);
    expect([...byPage['src/request/index.html'].matches].sort()).toEqual(['http://*.localhost/*', 'https://*.atlassian.net/*']);
    for (const war of manifest.web_accessible_resources) {
      expect(war.use_dynamic_url).toBe(true);
      expect(war.extension_ids).toBeUndefined();
    }
  });

  test('ships no source maps', () => {
    for (const dir of [DIST, STORE, FIREFOX]) {
      const all = files(dir);
      expect(all.filter((f) => f.endsWith('.map'))).toEqual([]);
      for (const f of all.filter((f) => f.endsWith('.js'))) expect(readFileSync(join(dir, f), 'utf8'), f).not.toContain('sourceMappingURL');
    }
  });
});

describe('store build (dist/manifest.json)', () => {
  test('names no localhost or 127.0.0.1 origin anywhere: only the vendor origins', () => {
    const text = JSON.stringify(store);
    expect(text).not.toMatch(/localhost|127\.0\.0\.1/);
    expect(sorted(store.host_permissions)).toEqual(sorted([...VENDOR_FRAME_ORIGINS, ...VENDOR_PRODUCT_PAGES]));
    for (const script of store.content_scripts) expect(sorted(script.matches)).toEqual(sorted([...VENDOR_FRAME_ORIGINS, ...VENDOR_PRODUCT_PAGES]));
    const byPage = Object.fromEntries(store.web_accessible_resources.flatMap((w: { resources: string[]; matches: string[] }) => w.resources.map((r) => [r, sorted(w.matches)])));
    expect(byPage).toEqual({
      'src/panel/index.html': ['https://support.atlassian.com/*'],
      'src/consent/index.html': ['https://support.atlassian.com/*'],
      'src/console/index.html': ['https://admin.atlassian.com/*'],
      'src/request/index.html': ['https://*.atlassian.net/*'],
    });
    expect(store.content_security_policy.extension_pages).toBe(
      "script-src 'self'; object-src 'self'; frame-ancestors 'self' https://support.atlassian.com https://admin.atlassian.com https://*.atlassian.net",
    );
  });

  test('differs from the demo build only by the demo origins and the pinned key', () => {
    const withoutDemo = (m: Record<string, unknown>) =>
      JSON.parse(JSON.stringify(m), (_key, value) => {
        if (Array.isArray(value)) return value.filter((v) => typeof v !== 'string' || !/localhost|127\.0\.0\.1/.test(v));
        if (typeof value === 'string' && value.startsWith('script-src'))
          return value
            .split(' ')
            .filter((part) => !/localhost/.test(part))
            .join(' ');
        return value;
      });
    // and by the demo's pinned `key` (its fixed extension id, test/api/extension-ids.test.ts).
    const { key, ...demo } = manifest as Record<string, unknown>;
    expect(typeof key).toBe('string');
    expect(store).toEqual(withoutDemo(demo));
    expect(manifest).not.toEqual(store);
  });
});

describe('Firefox build (dist-firefox/manifest.json)', () => {
  test('is MV3 with Gecko settings and module background scripts (Firefox runs no extension service worker)', () => {
    expect(firefox.manifest_version).toBe(3);
    expect(firefox.browser_specific_settings.gecko.id).toMatch(/^[\w.-]+@[\w.-]+$/);
    expect(Number.parseFloat(firefox.browser_specific_settings.gecko.strict_min_version)).toBeGreaterThanOrEqual(140);
    expect(firefox.background.service_worker).toBeUndefined();
    expect(firefox.background).toMatchObject({ type: 'module' });
    for (const path of [...firefox.background.scripts, firefox.action.default_popup, firefox.options_ui.page]) expect(files(FIREFOX), String(path)).toContain(path);
  });

  test("has no Chrome-only keys, and the store build's origins", () => {
    expect(firefox.minimum_chrome_version).toBeUndefined();
    expect(firefox.externally_connectable).toBeUndefined();
    for (const war of firefox.web_accessible_resources) expect(war.use_dynamic_url).toBeUndefined();
    expect(JSON.stringify(firefox)).not.toMatch(/localhost|127\.0\.0\.1/);
    expect(sorted(firefox.host_permissions)).toEqual(sorted(store.host_permissions));
    // Sign-in at the org's identity provider needs `identity` in every build.
    expect(store.permissions).toContain('identity');
    expect(firefox.permissions).toContain('identity');
    expect(firefox.content_scripts).toEqual(store.content_scripts);
  });
});
