import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// The real webextension-polyfill only loads inside an extension: in Node (unit tests with a stubbed
// `chrome`, and e2e helpers that import constants from extension modules) a shim stands in.
const alias = { 'webextension-polyfill': fileURLToPath(new URL('./test/support/browser-polyfill.ts', import.meta.url)) };

// Four projects, one command (`npm test` runs them all after type-check and build):
// - unit: pure rules and UI pieces, fast;
// - api: the Access API on real PGlite (and PostgreSQL when DATABASE_URL is set);
// - e2e: the built extension in real Chromium against the real API and demo pages;
// - gate: the promises, black-box: the built API as its own process, DESIGN's HTTP paths and the
//   world file only (test/gate/README.md); it does not change when the server is rebuilt.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          alias,
          include: ['test/core/**/*.test.ts', 'test/api/**/*.test.ts', 'test/unit/**/*.test.{ts,tsx}', 'test/content/**/*.test.{ts,tsx}', 'test/background/**/*.test.{ts,tsx}'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'server',
          alias,
          include: ['test/server/**/*.test.ts', 'test/load/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          alias,
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'gate',
          include: ['test/gate/**/*.test.ts'],
          globalSetup: ['test/gate/global-setup.ts'],
          testTimeout: 240_000,
          hookTimeout: 240_000,
          // Each file starts API processes and PostgreSQL databases of its own: one file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
