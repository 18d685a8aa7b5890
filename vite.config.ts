import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { crx, type ManifestV3Export } from '@crxjs/vite-plugin';
import manifest from './manifest.json' with { type: 'json' };

export default defineConfig({
  plugins: [
    preact(),
    crx({
      manifest: manifest as ManifestV3Export,
      // One self-contained IIFE: without it crxjs adds a loader that dynamic-imports the real
      // script, which forces the script chunk into web_accessible_resources on every matched page.
      contentScripts: { standaloneFiles: ['src/content/index.ts'] },
    }),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    target: 'chrome120',
    // crxjs bundles HTML named in the manifest's action/options, but copies web-accessible HTML
    // as-is; the panel page must be an explicit input to be built.
    rollupOptions: { input: { panel: 'src/panel/index.html', console: 'src/console/index.html', request: 'src/request/index.html', consent: 'src/consent/index.html' } },
  },
  server: { port: 5173, strictPort: true },
});
