// Read models for the person who asks for product access (DESIGN §2.4): may I ask, for whom, who
// decides, and what became of my requests. Answers only about the caller and their own requests;
// reviewers read theirs through views.ts.
import { accessRequestPolicy, accessRequestReviewers, barRule, productName, type AccessRequest, type Site, type WorldIndex } from '../../core/index';
import type { AccessRequestContextWire, MyAccessRequestWire } from '../../api/schemas';
import { groupMembers, requestsOf, standingBar } from './repository';
import type { Caller } from '../http/auth';
import type { ServerContext } from '../context';
import { problem } from '../http/problems';
import { currentUser, withUser } from '../grants/repository';

/** Where each product lives under its site's address, as the vendor lays it out. */
const PRODUCT_PATHS: Record<string, string> = { confluence: '/wiki', jira: '/jira', 'jira-service-management': '/jira/servicedesk', 'jira-product-discovery': '/jira/polaris' };

export function productUrl(siteUrl: string, product: string): string {
  return `${siteUrl.replace(/\/+$/, '')}${PRODUCT_PATHS[product] ?? `/${encodeURIComponent(product)}`}`;
}

/** A site by id or by its address (a product page knows its address, not our id); 404 otherwise. */
export function resolveSite(ix: WorldIndex, ref: string): Site {
  const byId = ix.sitesById.get(ref);
  if (byId) return byId;
  let host: string | undefined;
  try {
    host = new URL(ref).host.toLowerCase();
  } catch {
    host = undefined;
  }
  const found = host ? ix.world.sites.find((s) => new URL(s.url).host.toLowerCase() === host) : undefined;
  if (!found) throw problem('not-found', `No site "${ref}" in ${ix.world.organization.name}.`);
  return found;
}

/** A picker, not a directory: a site of thousands lists the first this many by name. */
const MAX_SITE_USERS = 500;

const person = (ix: WorldIndex, id: string) => ({ userId: id, name: ix.usersById.get(id)?.name ?? id });

function myRequestWire(s: ServerContext, me: string, r: AccessRequest): MyAccessRequestWire {
  const ix = s.ix;
  const site = ix.sitesById.get(r.site);
  const siteUrl = site?.url ?? '';
  const forUser = 'userId' in r.for ? ix.usersById.get(r.for.userId) : undefined;
  const subject = forUser?.id ?? ('email' in r.for ? ix.usersByEmail.get(r.for.email.trim().toLowerCase())?.id : undefined);
  return {
    id: r.id,
    site: r.site,
    siteUrl,
    product: r.product,
    productName: productName(r.product, ix.productsBySiteKey.get(`${r.site}/${r.product}`)),
    state: r.state,
    createdAt: r.createdAt,
    role: r.requestedBy === me ? 'requester' : 'subject',
    self: r.self,
    requestedBy: person(ix, r.requestedBy),
    forUser: forUser ? { userId: forUser.id, name: forUser.name, email: forUser.email } : { email: 'email' in r.for ? r.for.email : '' },
    reviewers:
      r.state === 'pending'
        ? accessRequestReviewers(ix, r.site)
            .filter((u) => u !== r.requestedBy && u !== subject)
            .map((u) => person(ix, u))
        : [],
    ...(r.decidedBy ? { decidedBy: person(ix, r.decidedBy), decidedAt: r.decidedAt } : {}),
    ...(r.message ? { message: r.message } : {}),
    barred: r.state === 'denied' && r.self && !r.requesterOnSite,
    ...(r.state === 'denied' && r.self && !r.requesterOnSite ? { barRule: barRule(ix.world.organization.name) } : {}),
    productUrl: productUrl(siteUrl, r.product),
  };
}

function caller(s: ServerContext, c: Caller) {
  if (c.kind !== 'admin') throw problem('forbidden', 'Product access is requested by users of the org, not with a Support engineer token.');
  return s.ix.usersById.get(c.id)!;
}

/** GET /v1/me/access-requests: everything I asked for, and everything asked for me, newest first. */
export async function myAccessRequests(s: ServerContext, c: Caller): Promise<MyAccessRequestWire[]> {
  const me = caller(s, c);
  return (await requestsOf(s.db, me.id, me.email)).map((r) => myRequestWire(s, me.id, r));
}

/** GET /v1/access-requests/context: what the request-access controls show for one product on one site. */
export async function accessRequestContext(s: ServerContext, c: Caller, siteRef: string, productKey: string): Promise<AccessRequestContextWire> {
  const user = caller(s, c);
  const ix = s.ix;
  const site = resolveSite(ix, siteRef);
  const product = ix.productsBySiteKey.get(`${site.id}/${productKey}`);
  if (!product) throw problem('not-found', `No product "${productKey}" on ${site.url.replace(/^https?:\/\//, '')}.`);
  const name = productName(productKey, product);
  const me = (await currentUser(s.db, ix, user.id))!;
  const onSite = me.sites.includes(site.id);
  const bar = await standingBar(s.db, me.email);
  // Policy over the user as they are now: an approval since start has put them in the product's group.
  const selfVerdict = accessRequestPolicy(withUser(ix, me), me.id, site.id, productKey, undefined, bar);
  const hasAccess = me.products?.includes(`${site.id}/${productKey}`) ?? false;
  const members = new Set(await groupMembers(s.db, site.id, productKey));
  const siteUsers = onSite
    ? [...ix.usersById.values()]
        .filter((u) => u.id !== me.id && u.active !== false && u.sites.includes(site.id))
        .map((u) => ({ userId: u.id, name: u.name, email: u.email, hasAccess: members.has(u.id) || (u.products?.includes(`${site.id}/${productKey}`) ?? false) }))
        .sort((a, b) => a.name.localeCompare(b.name))
        .slice(0, MAX_SITE_USERS)
    : [];
  const forOthers = bar
    ? { ok: false, code: 'barred', message: selfVerdict.ok ? undefined : selfVerdict.message }
    : !product.licensed
      ? { ok: false, code: 'product_unlicensed', message: selfVerdict.ok ? undefined : selfVerdict.message }
      : onSite
        ? { ok: true }
        : { ok: false, code: 'not_on_site_others', message: 'People not on the site may request access only for themselves.' };
  const requests = (await requestsOf(s.db, me.id, me.email)).filter((r) => r.site === site.id && r.product === productKey).map((r) => myRequestWire(s, me.id, r));
  return {
    site: { id: site.id, url: site.url, status: site.status },
    product: { key: productKey, name, licensed: product.licensed, url: productUrl(site.url, productKey) },
    me: { id: me.id, name: me.name, email: me.email, emailVerified: me.emailVerified, onSite },
    hasAccess,
    forMyself: selfVerdict.ok ? { ok: true } : { ok: false, code: selfVerdict.code, message: selfVerdict.message },
    forOthers,
    ...(bar
      ? {
          bar: {
            at: bar.at,
            site: bar.site,
            product: bar.product,
            message:
              !selfVerdict.ok && selfVerdict.code === 'barred'
                ? selfVerdict.message
                : `A denied request barred you from requesting product access on ${bar.at.slice(0, 10)}. ${barRule(ix.world.organization.name)}`,
            rule: barRule(ix.world.organization.name),
          },
        }
      : {}),
    reviewers: accessRequestReviewers(ix, site.id)
      .filter((u) => u !== me.id)
      .map((u) => person(ix, u)),
    siteUsers,
    requests,
  };
}
