// The vendor's product sites in the demo: one server for every site of the world, the Host header
// (`acme.localhost:<port>`) picking the site (`https://acme.atlassian.net`). A person without the
// product sees the vendor's "You don't have access" page (demo/product/).
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The parts of the world file the product pages read. */
export interface ProductWorld {
  sites: { id: string; url: string }[];
  products: { site: string; key: string }[];
  users: { id: string; name: string; email: string; products?: string[]; token?: string }[];
}

/** The vendor's products by the path they live under on a site. */
const PRODUCT_PATHS: { path: string; key: string; name: string }[] = [
  { path: '/wiki', key: 'confluence', name: 'Confluence' },
  { path: '/jira', key: 'jira', name: 'Jira' },
];

/** `acme.localhost:4403` → the site at https://acme.atlassian.net, if the world has it. */
function siteOfHost(world: ProductWorld, hostHeader: string | undefined): { id: string; url: string } | undefined {
  const sub = /^([a-z0-9-]+)\.localhost(:\d+)?$/i.exec(hostHeader ?? '')?.[1]?.toLowerCase();
  return sub ? world.sites.find((s) => new URL(s.url).host === `${sub}.atlassian.net`) : undefined;
}

/**
 * What a product page shows for `as`: the vendor knows who has the product. Its record is the world
 * file, brought up to date by the Access API (an approval adds the person to the product's group).
 */
async function productPage(world: ProductWorld, hostHeader: string | undefined, path: string, as: string, apiUrl: string | undefined) {
  const site = siteOfHost(world, hostHeader);
  const product = PRODUCT_PATHS.find((p) => path === p.path || path.startsWith(`${p.path}/`));
  if (!site || !product) return undefined;
  const onSite = world.products.filter((p) => p.site === site.id);
  const user = world.users.find((u) => u.id === as);
  let hasAccess = user?.products?.includes(`${site.id}/${product.key}`) ?? false;
  if (user && !hasAccess && apiUrl && user.token) {
    try {
      const res = await fetch(`${apiUrl}/v1/access-requests/context?${new URLSearchParams({ site: site.id, product: product.key })}`, {
        headers: { authorization: `Bearer ${user.token}` },
        signal: AbortSignal.timeout(3000),
      });
      if (res.ok) hasAccess = ((await res.json()) as { hasAccess?: boolean }).hasAccess === true;
    } catch {
      // the API is down: the world file's record stands
    }
  }
  return {
    siteUrl: site.url,
    siteHost: new URL(site.url).host,
    productKey: product.key,
    productName: product.name,
    products: PRODUCT_PATHS.filter((p) => onSite.some((x) => x.key === p.key)).map(({ path: p, key, name }) => ({ path: p, key, name })),
    user: user ? { id: user.id, name: user.name, email: user.email } : undefined,
    hasAccess,
    people: world.users.map((u) => ({ id: u.id, name: u.name, email: u.email })),
  };
}

/** `serveAsset` answers /assets/… (the demo's allow-listed files); everything else is the product page shell. */
export function productHandler(world: () => ProductWorld, apiUrl: string | undefined, serveAsset: (res: ServerResponse, rel: string) => Promise<void>, shell: (res: ServerResponse) => Promise<void>) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const url = new URL(req.url ?? '/', 'http://demo.invalid');
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
        return;
      }
      if (url.pathname.startsWith('/assets/')) return await serveAsset(res, url.pathname.slice('/assets/'.length));
      if (url.pathname === '/demo-api/product-page') {
        const page = await productPage(world(), req.headers.host, url.searchParams.get('path') ?? '', url.searchParams.get('as') ?? '', apiUrl);
        res.writeHead(page ? 200 : 404, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(page ?? { error: 'not a product page of a demo site' }));
        return;
      }
      if (!siteOfHost(world(), req.headers.host)) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('No such site in the demo world.');
        return;
      }
      if (url.pathname === '/') {
        res.writeHead(302, { location: `/wiki${url.search}` }).end();
        return;
      }
      await shell(res);
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    }
  };
}
