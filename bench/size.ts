// Row 5: what the extension costs to load — content script and panel page, raw and gzipped,
// each with every chunk it pulls in. Built fresh from the current source into a temp dir.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SIZE } from './lib/expected';
import type { Row } from './lib/stats';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..');

/** A file and every file it imports (static or dynamic, relative or root-absolute), once each. */
function closure(dist: string, entry: string): string[] {
  const out = new Set<string>();
  const visit = (rel: string) => {
    if (out.has(rel) || !existsSync(join(dist, rel))) return;
    out.add(rel);
    const text = readFileSync(join(dist, rel), 'utf8');
    const refs = rel.endsWith('.html')
      ? [...text.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]!)
      : [...text.matchAll(/(?:import|from)\s*\(?\s*["']([^"']+\.(?:js|css))["']/g)].map((m) => m[1]!);
    for (const r of refs) visit(r.startsWith('/') ? r.slice(1) : posix.normalize(posix.join(posix.dirname(rel), r)));
  };
  visit(entry);
  return [...out];
}

function measure(dist: string, entry: string): { raw: number; gz: number; files: number } {
  let raw = 0;
  let gz = 0;
  const files = closure(dist, entry);
  for (const f of files) {
    const buf = readFileSync(join(dist, f));
    raw += buf.length;
    gz += gzipSync(buf, { level: 9 }).length;
  }
  return { raw, gz, files: files.length };
}

export async function benchSize(): Promise<Row[]> {
  const dist = mkdtempSync(join(tmpdir(), 'ac-bench-dist-'));
  try {
    execFileSync(join(ROOT, 'node_modules/.bin/vite'), ['build', '--mode', 'demo', '--outDir', dist, '--emptyOutDir', '--logLevel', 'error'], { cwd: ROOT, stdio: 'pipe' });
    const manifest = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8'));
    const content = manifest.content_scripts.flatMap((c: { js: string[] }) => c.js).map((f: string) => measure(dist, f));
    const c = content.reduce((a: { raw: number; gz: number; files: number }, b: typeof a) => ({ raw: a.raw + b.raw, gz: a.gz + b.gz, files: a.files + b.files }), { raw: 0, gz: 0, files: 0 });
    const p = measure(dist, 'src/panel/index.html');
    const kb = (n: number) => n / 1024;
    return [
      { ...SIZE.contentGz, value: kb(c.gz), met: kb(c.gz) <= 15, note: `raw ${kb(c.raw).toFixed(1)} KB in ${c.files} file(s); fresh vite build` },
      { ...SIZE.contentRaw, value: kb(c.raw) },
      { ...SIZE.panelGz, value: kb(p.gz), note: `html + js + css chunks it loads, ${p.files} files, each gzipped` },
      { ...SIZE.panelRaw, value: kb(p.raw) },
    ];
  } finally {
    rmSync(dist, { recursive: true, force: true });
  }
}
