// Serves our imitation of the vendor's support portal and admin console, each on its own origin
// (http://support.localhost:<port>, http://admin.localhost:<port>) like a real third-party site, and
// the vendor's product sites (http://acme.localhost:<port>/wiki stands for https://acme.atlassian.net/wiki).
// Run standalone: `npm run demo-pages -- [--support-port N] [--admin-port N] [--product-port N] [--world FILE]`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { productHandler } from './demo-product-sites';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DEMO = join(ROOT, 'demo');
export const DEMO_WORLD = join(ROOT, 'fixtures', 'demo-world.json');
const PLACEHOLDER_WORLD = join(DEMO, 'placeholder-world.json');

export interface DemoPagesOptions {
  supportPort?: number;
  adminPort?: number;
  /** One port for every site's product pages: the Host header (`<site>.localhost`) picks the site. */
  productPort?: number;
  apiUrl?: string;
  worldFile?: string;
}
export interface DemoPages {
  supportUrl: string;
  adminUrl: string;
  /** URL of a ticket's page on the support portal. */
  ticketUrl(key: string): string;
  /** The raise-a-request form, logged in to the portal as `as` (a user id; default the view's reporter). */
  createRequestUrl(as?: string): string;
  /** URL of an admin console page, e.g. adminPageUrl('settings/support-access'). */
  adminPageUrl(page: string): string;
  /** A product page, e.g. productPageUrl('https://acme.atlassian.net', 'wiki', 'oscar') → http://acme.localhost:4403/wiki?as=oscar. */
  productPageUrl(siteUrl: string, path: string, as?: string): string;
  view: DemoView;
  close(): Promise<void>;
}

interface RawWorld {
  organization: { id: string; name: string };
  sites: { id: string; url: string }[];
  products: { site: string; key: string; name?: string }[];
  users: { id: string; name: string; email: string; sites?: string[]; products?: string[]; token?: string }[];
  roles: { user: string; role: string }[];
  engineers: { id: string; email: string; name?: string }[];
  tickets: { key: string; title?: string; site: string; product: string; reporter: string; engineer: string; status: string; dataAccessRequested?: boolean }[];
}

/** What the demo pages render from: the world file's tickets, with display strings resolved. */
export interface DemoView {
  org: { id: string; name: string };
  /** Who the portal shows as logged in when the URL names nobody (`?as=<user id>` picks another). */
  reporter: { id: string; name: string; email: string };
  /** People, sites and products for the request form and for `?as=` (no tokens: those stay on the server). */
  users: { id: string; name: string; email: string }[];
  sites: { id: string; url: string; host: string }[];
  products: { site: string; key: string; name: string }[];
  admin: { name: string; email: string };
  supportOrigin: string;
  apiUrl: string | null;
  tickets: {
    key: string;
    title: string;
    status: string;
    productKey: string;
    productName: string;
    siteUrl: string;
    siteHost: string;
    reporterName: string;
    engineerName: string;
    dataAccessRequested: boolean;
    description: string;
  }[];
}

const PRODUCT_NAMES: Record<string, string> = {
  jira: 'Jira',
  confluence: 'Confluence',
  'jira-service-management': 'Jira Service Management',
  jsm: 'Jira Service Management',
  bitbucket: 'Bitbucket',
  loom: 'Loom',
  trello: 'Trello',
};

export function worldFile(explicit?: string): string {
  if (explicit) return explicit;
  return existsSync(DEMO_WORLD) ? DEMO_WORLD : PLACEHOLDER_WORLD;
}

export function buildDemoView(world: RawWorld, supportOrigin: string, apiUrl?: string): DemoView {
  const user = (id: string) => world.users.find((u) => u.id === id);
  const firstTicket = world.tickets[0];
  const reporter = (firstTicket && user(firstTicket.reporter)) ?? world.users[0]!;
  const adminId = world.roles.find((r) => r.role === 'org_admin')?.user;
  const admin = (adminId && user(adminId)) || world.users[0]!;
  return {
    org: { id: world.organization.id, name: world.organization.name },
    reporter: { id: reporter.id, name: reporter.name, email: reporter.email },
    users: world.users.map(({ id, name, email }) => ({ id, name, email })),
    sites: world.sites.map((s) => ({ id: s.id, url: s.url, host: new URL(s.url).host })),
    products: world.products.map((p) => ({ site: p.site, key: p.key, name: p.name ?? PRODUCT_NAMES[p.key] ?? p.key })),
    admin: { name: admin.name, email: admin.email },
    supportOrigin,
    apiUrl: apiUrl ?? null,
    tickets: world.tickets.map((t) => {
      const site = world.sites.find((s) => s.id === t.site);
      const product = world.products.find((p) => p.site === t.site && p.key === t.product);
      const productName = product?.name ?? PRODUCT_NAMES[t.product] ?? t.product;
      const siteUrl = site?.url ?? `https://${t.site}.atlassian.net`;
      const engineer = world.engineers.find((e) => e.id === t.engineer);
      return {
        key: t.key,
        title: t.title ?? `${productName} issue on ${new URL(siteUrl).host}`,
        status: t.status,
        productKey: t.product,
        productName,
        siteUrl,
        siteHost: new URL(siteUrl).host,
        reporterName: user(t.reporter)?.name ?? t.reporter,
        engineerName: engineer?.name ?? engineer?.email ?? 'Atlassian Support',
        dataAccessRequested: t.dataAccessRequested ?? false,
        description: `Since Monday this keeps happening for several people on our team. It started after our last change to ${productName}.`,
      };
    }),
  };
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };
// The only files served, by URL: nothing else under demo/ (or elsewhere) is reachable.
const ASSETS = new Set([
  'shared/dom.js',
  'shared/vendor.css',
  'support/portal.js',
  'support/create.js',
  'support/portal.css',
  'admin/admin.js',
  'admin/admin.css',
  'product/product.js',
  'product/product.css',
]);

/** Ticket pages built unlike our portal, to check the extension on markup it has not seen (`?layout=NAME`). */
export const LAYOUTS = ['punctuated-table', 'no-landmarks', 'inline-text', 'unreadable', 'collapsed-details'] as const;
export type LayoutName = (typeof LAYOUTS)[number];

const escapeHtml = (v: string) => v.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A layout's HTML for one ticket; every value is HTML-escaped into the saved template. */
export function renderLayout(name: LayoutName, ticket: { key: string; title: string; productName: string; siteUrl: string; siteHost: string }): string {
  const template = readFileSync(join(DEMO, 'support', 'layouts', `${name}.html`), 'utf8');
  return template.replace(/\{\{(\w+)\}\}/g, (_, field: string) => escapeHtml(String((ticket as Record<string, string>)[field] ?? '')));
}

async function sendFile(res: ServerResponse, rel: string): Promise<void> {
  const body = await readFile(join(DEMO, rel));
  res.writeHead(200, { 'content-type': TYPES[rel.slice(rel.lastIndexOf('.'))] ?? 'application/octet-stream', 'cache-control': 'no-store' });
  res.end(body);
}

function handler(page: 'support' | 'admin', view: () => DemoView, portalApi?: PortalApi) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const url = new URL(req.url ?? '/', 'http://demo.invalid');
      if (page === 'support' && portalApi && url.pathname.startsWith('/demo-api/tickets')) return await portalApi(req, res, url);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
        return;
      }
      if (url.pathname === '/demo-api/world') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(view()));
        return;
      }
      if (url.pathname.startsWith('/assets/')) {
        const rel = url.pathname.slice('/assets/'.length);
        if (ASSETS.has(rel)) return await sendFile(res, rel);
        res.writeHead(404).end('not found');
        return;
      }
      if (page === 'support' && url.pathname === '/') {
        res.writeHead(302, { location: '/servicedesk/customer/user/requests' }).end();
        return;
      }
      if (page === 'admin' && url.pathname === '/') {
        res.writeHead(302, { location: `/o/${view().org.id}/settings/support-access` }).end();
        return;
      }
      const layout = url.searchParams.get('layout');
      const ticketKey = /^\/servicedesk\/customer\/portal\/\d+\/([A-Z][A-Z0-9_]*-\d+)\/?$/.exec(url.pathname)?.[1];
      if (page === 'support' && layout && ticketKey) {
        const ticket = view().tickets.find((t) => t.key === ticketKey);
        if (!ticket || !(LAYOUTS as readonly string[]).includes(layout)) {
          res.writeHead(404).end('not found');
          return;
        }
        res.writeHead(200, { 'content-type': TYPES['.html']!, 'cache-control': 'no-store' });
        res.end(renderLayout(layout as LayoutName, ticket));
        return;
      }
      // Every other path is the app shell; the page's script routes on location.pathname.
      await sendFile(res, page === 'support' ? 'support/index.html' : 'admin/index.html');
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    }
  };
}

type PortalApi = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

const MAX_FORM_BYTES = 32 * 1024;

/**
 * The portal's own backend for raising and showing requests: the vendor knows who is logged in
 * (here `?as=<user id>`, default the view's reporter) and talks to the Access API with that
 * person's token from the world file, which never reaches the page. `POST /demo-api/tickets`
 * raises one (body and Idempotency-Key passed through); `GET /demo-api/tickets/<KEY>` reads one.
 * The API's answer (problem+json included) goes back as it came. A POST is taken only from the
 * portal's own pages: its Origin header must equal `ownOrigin()` (e.g. "http://support.localhost:4401"),
 * else 403 problem+json, so another site cannot raise requests as the logged-in person.
 */
function portalTickets(world: () => RawWorld, apiUrl: string | undefined, ownOrigin: () => string): PortalApi {
  return async (req, res, url) => {
    const answer = (status: number, body: unknown, type = 'application/problem+json') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(JSON.stringify(body));
    };
    if (req.method === 'POST' && req.headers.origin !== ownOrigin()) {
      return answer(403, { title: "Requests are raised only from the portal's own pages", status: 403 });
    }
    const w = world();
    const firstReporter = w.tickets[0]?.reporter ?? w.users[0]?.id;
    const who = w.users.find((u) => u.id === (url.searchParams.get('as') || firstReporter));
    if (!apiUrl) return answer(503, { title: 'The demo portal was started without an Access API', status: 503 });
    if (!who?.token) return answer(403, { title: 'Nobody is logged in to the portal as that person', status: 403 });
    const key = /^\/demo-api\/tickets\/([A-Z][A-Z0-9_]*-\d+)$/.exec(url.pathname)?.[1];
    let upstream: Response;
    if (req.method === 'GET' && key) {
      upstream = await fetch(`${apiUrl}/v1/tickets/${key}`, { headers: { authorization: `Bearer ${who.token}` }, signal: AbortSignal.timeout(5000) });
    } else if (req.method === 'POST' && url.pathname === '/demo-api/tickets') {
      const body = await readBody(req, MAX_FORM_BYTES);
      if (body === undefined) return answer(413, { title: 'The request is too large', status: 413 });
      const idem = req.headers['idempotency-key'];
      upstream = await fetch(`${apiUrl}/v1/tickets`, {
        method: 'POST',
        headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/json', ...(typeof idem === 'string' ? { 'idempotency-key': idem } : {}) },
        body,
        signal: AbortSignal.timeout(5000),
      });
    } else return answer(404, { title: 'Not found', status: 404 });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json', 'cache-control': 'no-store' });
    res.end(await upstream.text());
  };
}

/** The request body as text, or undefined past `max` bytes. */
async function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startDemoPages(opts: DemoPagesOptions = {}): Promise<DemoPages> {
  let supportOrigin = '';
  // Re-read on every request so an edited world file shows on reload.
  const currentView = () => buildDemoView(JSON.parse(readFileSync(worldFile(opts.worldFile), 'utf8')) as RawWorld, supportOrigin, opts.apiUrl);
  const support = createServer(
    handler(
      'support',
      currentView,
      portalTickets(
        () => JSON.parse(readFileSync(worldFile(opts.worldFile), 'utf8')) as RawWorld,
        opts.apiUrl,
        () => supportOrigin,
      ),
    ),
  );
  const admin = createServer(handler('admin', currentView));
  const serveAsset = async (res: ServerResponse, rel: string) => {
    if (ASSETS.has(rel)) await sendFile(res, rel);
    else res.writeHead(404).end('not found');
  };
  const product = createServer(
    productHandler(
      () => JSON.parse(readFileSync(worldFile(opts.worldFile), 'utf8')) as RawWorld,
      opts.apiUrl,
      serveAsset,
      (res) => sendFile(res, 'product/index.html'),
    ),
  );
  const supportPort = await listen(support, opts.supportPort ?? 4401);
  const adminPort = await listen(admin, opts.adminPort ?? 4402);
  const productPort = await listen(product, opts.productPort ?? 4403);
  supportOrigin = `http://support.localhost:${supportPort}`;
  const adminUrl = `http://admin.localhost:${adminPort}`;
  const initial = currentView();
  return {
    supportUrl: supportOrigin,
    adminUrl,
    view: initial,
    ticketUrl: (key) => `${supportOrigin}/servicedesk/customer/portal/1/${key}`,
    createRequestUrl: (as) => `${supportOrigin}/servicedesk/customer/portal/1/create/1${as ? `?as=${encodeURIComponent(as)}` : ''}`,
    adminPageUrl: (page) => `${adminUrl}/o/${initial.org.id}/${page}`,
    productPageUrl: (siteUrl, path, as) =>
      `http://${new URL(siteUrl).host.replace(/\.atlassian\.net$/, '.localhost')}:${productPort}/${path.replace(/^\//, '')}${as ? `?as=${encodeURIComponent(as)}` : ''}`,
    close: async () => {
      for (const server of [support, admin, product]) server.closeAllConnections();
      await Promise.all([support, admin, product].map((server) => new Promise((r) => server.close(r))));
    },
  };
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const pages = await startDemoPages({
    supportPort: Number(argValue('--support-port') ?? 4401),
    adminPort: Number(argValue('--admin-port') ?? 4402),
    productPort: Number(argValue('--product-port') ?? 4403),
    apiUrl: argValue('--api-url'),
    worldFile: argValue('--world'),
  });
  const first = pages.view.tickets[0];
  console.log(`Support portal: ${first ? pages.ticketUrl(first.key) : pages.supportUrl}`);
  console.log(`Raise a request: ${pages.createRequestUrl()}`);
  console.log(`Admin console:  ${pages.adminPageUrl('settings/support-access')}`);
  console.log(`Product site:   ${pages.productPageUrl('https://acme.atlassian.net', 'wiki')}`);
}
