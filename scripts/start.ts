// `npm start`: build the demo extension (dist-demo/; the store build in dist/ has no localhost
// origins), start the Access API on the demo org (state kept under
// .data/api, its audit signing key in .data/audit-signing-key.pem), serve the demo vendor pages, and say how to try it; with a display, open Chromium.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_WORLD, startDemoPages, worldFile, type DemoPages } from './demo-pages';
import { API_ENTRY, API_ENV, API_NODE_ARGS } from './api-runtime';
import { DEMO_PASSWORD, startDemoIdp } from './demo-idp';
import { setUpDemoScim, type DemoScim } from './demo-scim';

const ROOT = join(import.meta.dirname, '..');
const API_PORT = Number(process.env.API_PORT ?? 4400);
const API_URL = `http://localhost:${API_PORT}`;
/** The demo world names its identity provider at this port (fixtures/demo-world.json, organization.identity). */
const IDP_PORT = 4404;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The demo pages' ports and the data folder can be moved (a test runs `npm start` beside another).
const DEMO_PORTS = { supportPort: Number(process.env.SUPPORT_PORT ?? 4401), adminPort: Number(process.env.ADMIN_PORT ?? 4402), productPort: Number(process.env.PRODUCT_PORT ?? 4403) };
const DATA = process.env.START_DATA_DIR ?? '.data';
const children: ChildProcess[] = [];
let stopping = false;
let served: DemoPages | undefined;
let idp: Awaited<ReturnType<typeof startDemoIdp>> | undefined;

function run(cmd: string, args: string[]): void {
  const result = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/**
 * A child that dies while the demo runs would leave pages served against nothing: say which one and
 * how it ended (exit code or signal), stop the rest and exit non-zero.
 */
function exitWhenDead(child: ChildProcess, name: string): void {
  child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`\n${name} (pid ${child.pid}) stopped ${signal ? `on signal ${signal}` : `with exit code ${code}`}; stopping the demo.`);
    void stop(1);
  });
}

/**
 * `env` without the variables that would make the demo's API something other than the product a
 * newcomer should see: off its embedded database (DATABASE_URL, AC_PG_SCHEMA), acknowledging before
 * the disk has it (AC_UNSAFE_NO_SYNC), or trusting a forwarded client address (AC_TRUST_PROXY).
 */
function demoApiEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { DATABASE_URL: _url, AC_PG_SCHEMA: _schema, AC_UNSAFE_NO_SYNC: _noSync, AC_TRUST_PROXY: _proxy, ...rest } = env;
  return rest;
}

async function waitForApi(timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${API_URL}/healthz`)).ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** A port someone else holds would make us talk to their server; say so plainly instead. */
async function ensureFree(port: number, what: string): Promise<void> {
  const { createServer } = await import('node:net');
  const free = await new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
  if (!free) {
    console.error(`Port ${port} (${what}) is already in use — is another \`npm start\` running? Stop it, or free the port, and try again.`);
    process.exit(1);
  }
}

await ensureFree(API_PORT, 'Access API');
await ensureFree(DEMO_PORTS.supportPort, 'demo support portal');
await ensureFree(DEMO_PORTS.adminPort, 'demo admin console');
await ensureFree(DEMO_PORTS.productPort, 'demo product sites');
await ensureFree(IDP_PORT, 'demo identity provider');

run('npm', ['run', 'build:demo']);
const DIST_DEMO = join(ROOT, 'dist-demo');

const world = worldFile();
let apiUp = false;
if (existsSync(join(ROOT, 'src', 'server', 'main.ts')) && world === DEMO_WORLD) {
  // The API runs as built JavaScript, as `npm run api` runs it (build:api also makes the PGlite template).
  // The demo's directory is the demo world file's at every start (--apply-world): an updated file
  // is not held back by the directory an earlier start stored.
  run('npm', ['run', 'build:api']);
  const api = spawn(
    process.execPath,
    [...API_NODE_ARGS, API_ENTRY, '--fixture', world, '--port', String(API_PORT), '--data', join(DATA, 'api'), '--audit-key', join(DATA, 'audit-signing-key.pem'), '--apply-world'],
    {
      cwd: ROOT,
      stdio: 'inherit',
      // The demo runs on its embedded database in DATA, even from a shell whose DATABASE_URL points
      // at a PostgreSQL server (CI's does): the demo org must never write into someone's database.
      env: { ...demoApiEnv(process.env), ...API_ENV },
    },
  );
  children.push(api);
  exitWhenDead(api, 'The Access API');
  apiUp = await waitForApi(30_000);
  if (!apiUp) console.error(`The Access API did not answer on ${API_URL}/healthz within 30 s.`);
} else {
  console.error('The Access API (src/server/main.ts) or fixtures/demo-world.json is missing: serving the demo pages only.');
}

const pages = await startDemoPages({ apiUrl: API_URL, ...DEMO_PORTS });
served = pages;
// The demo org's own OpenID provider: its people sign in with their email and the password "demo".
idp = await startDemoIdp({ port: IDP_PORT, worldFile: world });
const raw = JSON.parse(readFileSync(world, 'utf8')) as {
  organization: { name: string };
  users: { id: string; name: string; email: string; token?: string }[];
  roles: { user: string; role: string; site?: string; product?: string; products?: string[] }[];
};
const admins = raw.users.filter((u) => u.token && raw.roles.some((r) => r.user === u.id));
// People without an admin role ask for product access (demo/CASES.md: on the site, or outside it).
const requesters = raw.users.filter((u) => u.token && !raw.roles.some((r) => r.user === u.id));
const describeRoles = (id: string) =>
  raw.roles
    .filter((r) => r.user === id)
    .map((r) => [r.role, r.site, r.product ?? r.products?.join('+')].filter(Boolean).join(' '))
    .join(', ');
const firstTicket = pages.view.tickets[0]?.key ?? 'PS-101';
// The identity provider's side (demo/CASES.md, "Provisioning by SCIM"): a scim key and a group
// holding a role, so one curl shows a membership becoming the next decision's fact.
let demoScim: DemoScim | string = 'the Access API is not running';
if (apiUp) demoScim = await setUpDemoScim(API_URL, 'alice-token', 'frank').catch((e: unknown) => `could not set it up: ${e instanceof Error ? e.message : String(e)}`);
const scimText =
  typeof demoScim === 'string'
    ? `SCIM provisioning: ${demoScim}`
    : `SCIM provisioning (${API_URL}/scim/v2, key made now for the demo identity provider; the last start's is deleted):
  key ${demoScim.key}
Add Frank Moreau to "Jira admins" (product admin of Jira on acme-main), then open PS-107 signed in as frank:
  ${demoScim.addCurl}
Take him out again:
  ${demoScim.removeCurl}`;

console.log(`
Access Companion is running.

  Access API:      ${apiUp ? `${API_URL} (pid ${children[0]?.pid})` : '(not running)'}
  Sign-in (OpenID): ${idp.issuer}   (the demo organisation's identity provider)
  Support portal:  ${pages.ticketUrl(firstTicket)}
  Raise a request: ${pages.createRequestUrl('priya')}   (?as= is who you are on the portal)
  Admin console:   ${pages.adminPageUrl('settings/support-access')}
                   ${pages.adminPageUrl('access-requests')}
                   ${pages.adminPageUrl('security/audit-log')}
                   ${pages.adminPageUrl('security/support-access-requests')}
  Product sites:   ${pages.productPageUrl('https://acme.atlassian.net', 'wiki', 'oscar')}   (Confluence; ?as= is who you are there)
                   ${pages.productPageUrl('https://acme.atlassian.net', 'jira', 'nina')}

Sign in: in the extension's Options type ${API_URL}, click "Sign in with ${raw.organization.name}" and
sign in with your email and the password "${DEMO_PASSWORD}". (The token is each person's personal
access token, for scripts and Options → Advanced.)

Demo people:
${admins.map((u) => `  ${u.name.padEnd(16)} ${u.email.padEnd(20)} token ${u.token!.padEnd(14)} ${describeRoles(u.id) || 'no admin role'}`).join('\n')}

Demo users who ask for product access (pending requests of every kind wait in Access requests):
${requesters.map((u) => `  ${u.name.padEnd(16)} ${u.email.padEnd(20)} token ${u.token!.padEnd(14)}`).join('\n')}

${scimText}

Load the extension: open chrome://extensions, switch on Developer mode, click "Load unpacked"
and choose ${DIST_DEMO}. Then open the support portal link above.
Press Ctrl+C to stop.`);

if (process.env.DISPLAY && existsSync(CHROMIUM)) {
  children.push(
    spawn(
      CHROMIUM,
      [`--user-data-dir=${join(ROOT, '.data', 'chromium-profile')}`, `--disable-extensions-except=${DIST_DEMO}`, `--load-extension=${DIST_DEMO}`, '--no-first-run', pages.ticketUrl(firstTicket)],
      { stdio: 'ignore' },
    ),
  );
}

async function stop(code = 0): Promise<void> {
  stopping = true;
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await served?.close();
  await idp?.close();
  process.exit(code);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
