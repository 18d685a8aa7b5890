// The org's sites and their products by name, for the console's roles page (org admins): where an
// admin picks the site and product whose "who can grant" they see and change. Read from the live
// directory's current index, so a site a re-import or the vendor changed shows as it is now.
import { Hono } from 'hono';
import { ROUTES } from '../../api/contract';
import type { DirectorySitesWire } from '../../api/directory-schemas';
import { productName } from '../../core/index';
import type { ServerContext } from '../context';
import { isOrgAdmin } from '../grants/views';
import type { Env } from '../http/request';
import { route, WHO } from '../http/route';

export function directorySiteRoutes(_s: ServerContext): Hono<Env> {
  const r = new Hono<Env>();
  route(r, ROUTES.directorySites, { who: WHO.when(isOrgAdmin, "The org's sites and who can grant on them are shown to org admins only.") }, (c, { s }) => {
    const ix = s.ix;
    const answer: DirectorySitesWire = {
      userManagement: ix.world.organization.userManagement,
      sites: ix.world.sites.map((site) => ({
        id: site.id,
        url: site.url,
        status: site.status,
        guardRestricted: ix.restrictedSites.has(site.id),
        products: ix.world.products.filter((p) => p.site === site.id).map((p) => ({ key: p.key, name: productName(p.key, p), licensed: p.licensed })),
      })),
    };
    return c.json(answer);
  });
  return r;
}
