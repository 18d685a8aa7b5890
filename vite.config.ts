import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { crx } from '@crxjs/vite-plugin';
import { buildTarget, manifestFor } from './manifest.config.ts';

// `vite build` is the Chrome store build (dist/); `--mode demo` (dist-demo/), `--mode firefox`
// (dist-firefox/) and `--mode firefox-demo` (dist-firefox-demo/) are the others (manifest.config.ts).
// `--outDir` on the command line still wins (the benchmarks build into temp folders).
export default defineConfig(({ mode }) => {
  const target = buildTarget(mode);
  return {
    plugins: [
      preact(),
      crx({
        manifest: manifestFor(target),
        browser: target.browser,
        // One self-contained IIFE: without it crxjs adds a loader that dynamic-imports the real
        // script, which forces the script chunk into web_accessible_resources on every matched page.
        contentScripts: { standaloneFiles: ['src/content/index.ts'] },
      }),
    ],
    build: {
      outDir: target.outDir,
      emptyOutDir: true,
      sourcemap: false,
      target: target.browser === 'firefox' ? 'firefox140' : 'chrome120',
      // crxjs bundles HTML named in the manifest's action/options, but copies web-accessible HTML
      // as-is; the panel page must be an explicit input to be built.
      rollupOptions: { input: { panel: 'src/panel/index.html', console: 'src/console/index.html', request: 'src/request/index.html', consent: 'src/consent/index.html' } },
    },
    server: { port: 5173, strictPort: true },
  };
});
