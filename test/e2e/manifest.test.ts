// Checks the built extension (dist/), as Chrome will load it.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DIST } from './harness';

const manifest = JSON.parse(readFileSync(join(DIST, 'manifest.json'), 'utf8'));
const FRAME_ORIGINS = ['http://admin.localhost/*', 'http://support.localhost/*', 'https://admin.atlassian.com/*', 'https://support.atlassian.com/*'];
/** Product sites: only their product paths, where the "You don't have access" page shows. */
const PRODUCT_PAGES = ['http://*.localhost/jira*', 'http://*.localhost/wiki*', 'https://*.atlassian.net/jira*', 'https://*.atlassian.net/wiki*'];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [relative(DIST, join(dir, e.name))]));
}

describe('built manifest (dist/manifest.json)', () => {
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
    expect(manifest.host_permissions).toEqual(['http://localhost/*', 'http://127.0.0.1/*']);
    expect(manifest.permissions.sort()).toEqual(['alarms', 'notifications', 'storage']);
    for (const script of manifest.content_scripts) expect(script.matches.sort()).toEqual([...FRAME_ORIGINS, ...PRODUCT_PAGES].sort());
  });

  test('no other extension or web page may connect', () => {
    expect(manifest.externally_connectable).toEqual({ ids: [], matches: [] });
  });

  test('only our three frame pages are web-accessible, each only to the site it is framed into', () => {
    const byPage = Object.fromEntries(manifest.web_accessible_resources.map((w: { resources: string[] }) => [w.resources.join(','), w]));
    expect(Object.keys(byPage).sort()).toEqual(['src/console/index.html', 'src/panel/index.html', 'src/request/index.html']);
    expect([...byPage['src/panel/index.html'].matches].sort()).toEqual(['http://support.localhost/*', 'https://support.atlassian.com/*']);
    expect([...byPage['src/console/index.html'].matches].sort()).toEqual(['http://admin.localhost/*', 'https://admin.atlassian.com/*']);
    expect([...byPage['src/request/index.html'].matches].sort()).toEqual(['http://*.localhost/*', 'https://*.atlassian.net/*']);
    for (const war of manifest.web_accessible_resources) {
      expect(war.use_dynamic_url).toBe(true);
      expect(war.extension_ids).toBeUndefined();
    }
  });

  test('ships no source maps', () => {
    const all = files(DIST);
    expect(all.filter((f) => f.endsWith('.map'))).toEqual([]);
    for (const f of all.filter((f) => f.endsWith('.js'))) expect(readFileSync(join(DIST, f), 'utf8'), f).not.toContain('sourceMappingURL');
  });
});
