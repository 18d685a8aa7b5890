// The extension's manifest, one source for every build (vite.config.ts picks the target from
// `vite build --mode …`):
// - store (Chrome, `npm run build` → dist/): the vendor's origins only;
// - demo (Chrome, `npm run build:demo` → dist-demo/): adds the *.localhost demo pages and a local
//   Access API, for `npm start` and the tests;
// - Firefox (`npm run build:firefox` → dist-firefox/, `build:firefox:demo` → dist-firefox-demo/):
//   the same pages, with Gecko settings and without keys only Chrome knows.
import { defineManifest, type ManifestV3Export } from '@crxjs/vite-plugin';
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

const VENDOR = {
  support: ['https://support.atlassian.com/*'],
  admin: ['https://admin.atlassian.com/*'],
  /** Product sites: only their product paths, where the "You don't have access" page shows. */
  productPages: ['https://*.atlassian.net/wiki*', 'https://*.atlassian.net/jira*'],
  productSites: ['https://*.atlassian.net/*'],
  frameAncestors: ['https://support.atlassian.com', 'https://admin.atlassian.com', 'https://*.atlassian.net'],
};
const DEMO = {
  support: ['http://support.localhost/*'],
  admin: ['http://admin.localhost/*'],
  productPages: ['http://*.localhost/wiki*', 'http://*.localhost/jira*'],
  productSites: ['http://*.localhost/*'],
  frameAncestors: ['http://support.localhost:*', 'http://admin.localhost:*', 'http://*.localhost:*'],
  /** Where the demo Access API listens (`npm start`, the tests). */
  api: ['http://localhost/*', 'http://127.0.0.1/*'],
};

/** The manifest for `target`, as crxjs takes it (entry points are source paths). */
export function manifestFor(target: BuildTarget): ManifestV3Export {
  const pick = <K extends keyof typeof VENDOR>(key: K): string[] => (target.demo ? [...DEMO[key], ...VENDOR[key]] : [...VENDOR[key]]);
  const firefox = target.browser === 'firefox';
  const contentMatches = [...pick('support'), ...pick('admin'), ...pick('productPages')];
  const icons = { 16: 'icons/icon-16.png', 32: 'icons/icon-32.png', 48: 'icons/icon-48.png', 128: 'icons/icon-128.png' };
  return defineManifest({
    manifest_version: 3,
    name: 'Access Companion',
    short_name: 'Access Companion',
    version: '0.1.0',
    description: 'Grant, revoke and review support data access right on the ticket and in the admin console.',
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
    action: { default_title: 'Access Companion', default_popup: 'src/popup/index.html', default_icon: { 16: icons[16], 32: icons[32] } },
    options_ui: { page: 'src/options/index.html', open_in_tab: true },
    // crxjs turns this into a module service worker for Chrome and module background scripts
    // (an event page) for Firefox, which has no extension service workers.
    background: firefox ? { scripts: ['src/background/index.ts'], type: 'module' } : { service_worker: 'src/background/index.ts', type: 'module' },
    content_scripts: [{ matches: contentMatches, js: ['src/content/index.ts'], run_at: 'document_end' }],
    // `identity`: sign-in at the org's identity provider (launchWebAuthFlow), in every build.
    permissions: ['storage', 'alarms', 'notifications', 'scripting', 'identity'],
    // The pages the content script runs on (to inject the updated script into open tabs) and, in
    // the demo, the local Access API. A customer's API address is asked for at sign-in.
    host_permissions: [...(target.demo ? DEMO.api : []), ...contentMatches],
    optional_host_permissions: ['https://*/*'],
    web_accessible_resources: [
      { resources: ['src/panel/index.html'], matches: pick('support'), use_dynamic_url: true },
      // The note beside the raise-a-request form's consent box, on the same portal.
      { resources: ['src/consent/index.html'], matches: pick('support'), use_dynamic_url: true },
      { resources: ['src/console/index.html'], matches: pick('admin'), use_dynamic_url: true },
      { resources: ['src/request/index.html'], matches: pick('productSites'), use_dynamic_url: true },
    ],
    // Chrome only (Firefox has no externally_connectable; its extensions cannot be messaged by pages).
    ...(firefox ? {} : { externally_connectable: { ids: [], matches: [] } }),
    content_security_policy: {
      extension_pages: `script-src 'self'; object-src 'self'; frame-ancestors 'self' ${pick('frameAncestors').join(' ')}`,
    },
  });
}
