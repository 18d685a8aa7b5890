// `npm run bench [-- --quick] [--json FILE] [--only decisions,eligibility,directory,api,api-cost,profile,audit,auth,scim,size,ux]`: every benchmark of issue 7 in
// one process tree, one table. Peers run side by side in the same run, rounds interleaved, so
// machine noise hits both. A row that cannot be measured says why; nothing is estimated.
import { writeFileSync } from 'node:fs';
import { benchAuditCode } from './audit-code';
import { benchAuth } from './auth';
import { benchDecisions } from './decisions';
import { benchEligibility } from './eligibility';
import { scaleWorld } from './lib/eligibility-at-scale';
import { complete, expectedRows } from './lib/expected';
import { formatTable, jsonRows, type Row } from './lib/stats';
import { benchSize } from './size';
import { benchServer } from './server-rows';
import { benchUserLatency } from './ux';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
if (jsonAt >= 0 && !jsonFile) throw new Error('--json needs a file name');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set(args[onlyAt + 1]!.split(',')) : undefined;

interface Section {
  id: string;
  run: () => Promise<Row[]>;
  fatal?: boolean;
}

const sections: Section[] = [
  // Disagreement between the engines is a bug, not a number: it aborts the whole run.
  { id: 'decisions', run: () => benchDecisions(quick), fatal: true },
  { id: 'eligibility', run: async () => benchEligibility(scaleWorld(), quick) },
  { id: 'directory', run: () => import('./directory').then((m) => m.benchDirectory(quick)) },
  { id: 'api', run: () => benchServer(quick, 'api') },
  { id: 'api-cost', run: () => benchServer(quick, 'api-cost') },
  { id: 'profile', run: () => benchServer(quick, 'profile') },
  { id: 'audit', run: async () => [...(await benchServer(quick, 'audit')), ...benchAuditCode()] },
  { id: 'auth', run: () => benchAuth(quick) },
  { id: 'auth-keys', run: () => import('./auth-keys').then((m) => m.benchAuthentication(quick)) },
  { id: 'scim', run: () => import('./scim').then((m) => m.benchScim(quick)) },
  { id: 'size', run: () => benchSize() },
  { id: 'ux', run: () => benchUserLatency(quick) },
];

const rows: Row[] = [];
const started = performance.now();
for (const s of sections) {
  if (only && !only.has(s.id)) continue;
  const t0 = performance.now();
  process.stderr.write(`bench: ${s.id}${quick ? ' (quick)' : ''}…\n`);
  let got: Row[] = [];
  let reason = `${s.id} did not produce this row`;
  try {
    got = await s.run();
  } catch (e) {
    if (s.fatal) {
      process.stderr.write(`bench aborted in ${s.id}: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    }
    reason = `${s.id} failed: ${(e as Error).message.split('\n')[0]}`;
    process.stderr.write(`bench: ${reason}\n`);
  }
  rows.push(...complete(got, expectedRows(s.id, quick), reason));
  process.stderr.write(`bench: ${s.id} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

console.log(
  `\nAccess Companion benchmarks${quick ? ' (--quick: reduced sizes, see notes)' : ''} — ${new Date().toISOString()}, node ${process.version}, total ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
);
console.log(formatTable(rows));
if (jsonFile) writeFileSync(jsonFile, JSON.stringify(jsonRows(rows), null, 2) + '\n');
