// The extension's manifest for every build (vite.config.ts picks the target from
// `vite build --mode …`). `manifest.json` beside this file is the base every build shares: name,
// version, icons, popup, options, permissions, the content script, the framed pages and the pages'
// CSP, all naming the vendor's origins only. This file adds what differs per target:
// - store (Chrome, `npm run build` → dist/): Chrome's minimum version, the service worker and
//   `externally_connectable`; nothing else;
// - demo (Chrome, `npm run build:demo` → dist-demo/): adds the *.localhost demo pages beside each
//   vendor origin, a local Access API and the pinned `key`, for `npm start` and the tests;
// - Firefox (`npm run build:firefox` → dist-firefox/, `build:firefox:demo` → dist-firefox-demo/):
//   Gecko settings and background scripts instead of Chrome's keys.
//
// What the base asks for, and why (JSON has no comments):
// - `identity`: sign-in at the org's identity provider (launchWebAuthFlow), in every build;
// - `scripting` and `host_permissions`: the pages the content script runs on, to inject the updated
//   script into open tabs; a customer's API address is asked for at sign-in
//   (`optional_host_permissions`);
// - the content script runs on the support portal, the admin console and the product sites' product
//   paths only (where the "You don't have access" page shows);
// - each framed page is web-accessible only to the site it is framed into: the ticket panel and the
//   note beside the raise-a-request form's consent box to the support portal, the console to the
//   admin console, the request page to the product sites; `frame-ancestors` names the same sites.
import { defineManifest, type ManifestV3Export } from '@crxjs/vite-plugin';
import base from './manifest.json' with { type: 'json' };
import { DEMO_EXTENSION_KEY } from './src/api/extension-ids';

export interface BuildTarget {
  browser: 'chrome' | 'firefox';
  /** Adds the demo origins (localhost); a store build never has them. */
  demo: boolean;
  outDir: string;
}

/** Vite mode → target: 'demo', 'firefox', 'firefox-demo'; anything else (e.g. 'production') is the Chrome store build. */
export function buildTarget(mode: string): BuildTarget {
  const browser = mode.startsWith('firefox') ? 'firefox' : 'chrome';
  const demo = mode === 'demo' || mode === 'firefox-demo';
  const outDir = ['dist', browser === 'firefox' ? 'firefox' : undefined, demo ? 'demo' : undefined].filter(Boolean).join('-');
  return { browser, demo, outDir };
}

/** Our add-on id on addons.mozilla.org; Firefox MV3 needs one for storage and for signing. */
export const GECKO_ID = 'access-companion@access-companion.example';
/**
 * Firefox ESR 140: MV3 host permissions, `scripting`, module background scripts, `action.openPopup`
 * and the built-in data-collection consent (`data_collection_permissions`, which AMO now requires).
 */
export const GECKO_MIN_VERSION = '140.0';
/** Firefox for Android learnt `data_collection_permissions` in 142. */
export const GECKO_ANDROID_MIN_VERSION = '142.0';

/**
 * The demo pages standing in for each run of vendor origins in `manifest.json`: the demo build puts
 * them just before that run, wherever it appears (match patterns, and `frame-ancestors` sources).
 */
const DEMO_COUNTERPARTS: ReadonlyArray<readonly [vendor: readonly string[], demo: readonly string[]]> = [
  [['https://support.atlassian.com/*'], ['http://support.localhost/*']],
  [['https://admin.atlassian.com/*'], ['http://admin.localhost/*']],
  [
    ['https://*.atlassian.net/wiki*', 'https://*.atlassian.net/jira*'],
    ['http://*.localhost/wiki*', 'http://*.localhost/jira*'],
  ],
  [['https://*.atlassian.net/*'], ['http://*.localhost/*']],
  [
    ['https://support.atlassian.com', 'https://admin.atlassian.com', 'https://*.atlassian.net'],
    ['http://support.localhost:*', 'http://admin.localhost:*', 'http://*.localhost:*'],
  ],
];
/** Where the demo Access API listens (`npm start`, the tests). */
const DEMO_API = ['http://localhost/*', 'http://127.0.0.1/*'];

/** `origins` with each vendor run preceded by its demo pages; throws on a vendor origin with none. */
function withDemo(origins: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < origins.length; ) {
    const pair = DEMO_COUNTERPARTS.find(([vendor]) => vendor.every((origin, j) => origins[i + j] === origin));
    if (!pair) throw new Error(`manifest.json names ${origins[i]}, which has no demo counterpart in manifest.config.ts`);
    out.push(...pair[1], ...pair[0]);
    i += pair[0].length;
  }
  return out;
}

/** A CSP with the demo pages added to its `frame-ancestors` sources (keywords such as 'self' stay first). */
function withDemoFrameAncestors(policy: string): string {
  return policy
    .split('; ')
    .map((directive) => {
      const [name, ...sources] = directive.split(' ');
      if (name !== 'frame-ancestors') return directive;
      const keywords = sources.filter((s) => s.startsWith("'"));
      return [name, ...keywords, ...withDemo(sources.filter((s) => !s.startsWith("'")))].join(' ');
    })
    .join('; ');
}

/** The manifest for `target`, as crxjs takes it (entry points are source paths): `manifest.json` plus the target's keys. */
export function manifestFor(target: BuildTarget): ManifestV3Export {
  const firefox = target.browser === 'firefox';
  const origins = (list: readonly string[]): string[] => (target.demo ? withDemo(list) : [...list]);
  const { manifest_version, name, short_name, version, description, icons, action, options_ui, content_security_policy, ...rest } = base;
  return defineManifest({
    manifest_version,
    name,
    short_name,
    version,
    description,
    ...(firefox
      ? {
          browser_specific_settings: {
            gecko: {
              id: GECKO_ID,
              strict_min_version: GECKO_MIN_VERSION,
              // Sent off the device, to the customer's own Access API: the admin's sign-in token
              // and the ticket and site pages they act on.
              data_collection_permissions: { required: ['authenticationInfo', 'websiteActivity'] },
            },
            gecko_android: { strict_min_version: GECKO_ANDROID_MIN_VERSION },
          },
        }
      : { minimum_chrome_version: '120' }),
    // The demo build is loaded unpacked from wherever it was cloned: a pinned public key gives it
    // one id everywhere (src/api/extension-ids.ts). The store assigns the store build's id.
    ...(!firefox && target.demo ? { key: DEMO_EXTENSION_KEY } : {}),
    icons,
    action,
    options_ui,
    // crxjs turns this into a module service worker for Chrome and module background scripts
    // (an event page) for Firefox, which has no extension service workers.
    background: firefox ? { scripts: ['src/background/index.ts'], type: 'module' } : { service_worker: 'src/background/index.ts', type: 'module' },
    ...rest,
    content_scripts: rest.content_scripts.map((script) => ({ ...script, matches: origins(script.matches) })),
    host_permissions: [...(target.demo ? DEMO_API : []), ...origins(rest.host_permissions)],
    web_accessible_resources: rest.web_accessible_resources.map((war) => ({ ...war, matches: origins(war.matches) })),
    // Chrome only (Firefox has no externally_connectable; its extensions cannot be messaged by pages).
    ...(firefox ? {} : { externally_connectable: { ids: [], matches: [] } }),
    content_security_policy: {
      ...content_security_policy,
      extension_pages: target.demo ? withDemoFrameAncestors(content_security_policy.extension_pages) : content_security_policy.extension_pages,
    },
  });
}
