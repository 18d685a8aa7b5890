// A deterministic, valid world of any size, for property tests and the benchmarks
// (100,000 users / 1,000 sites / 20,000 tickets). Pure: the same options give the same world.
import { CENTRALIZED_ROLES, ORIGINAL_ROLES, ROLE_SHAPES } from './roles';
import type { Product, RoleAssignment, Site, Ticket, User, UserManagement, World } from './types';

export interface GenerateOptions {
  users: number;
  sites: number;
  tickets: number;
  seed: number;
  userManagement?: UserManagement;
  /** Share of users holding an admin role besides the few org admins (default 0.3). */
  adminShare?: number;
}

/** mulberry32: tiny, fast and good enough to spread roles around (the benchmarks use it too). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const GENERATED_PRODUCTS = ['jira', 'confluence', 'jira-service-management'] as const;

export function generateWorld(opts: GenerateOptions): World {
  const rand = seededRandom(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const nSites = Math.max(1, opts.sites);
  const experience = opts.userManagement ?? 'centralized';
  const adminShare = opts.adminShare ?? 0.3;
  const pad = (n: number, w: number) => String(n).padStart(w, '0');

  const sites: Site[] = [];
  const products: Product[] = [];
  const restricted: string[] = [];
  for (let i = 0; i < nSites; i++) {
    const id = `site-${pad(i, 4)}`;
    sites.push({ id, url: `https://${id}.atlassian.net`, status: i % 20 === 19 ? 'pending_deletion' : 'active' });
    if (i % 10 === 3) restricted.push(id);
    for (const [k, key] of GENERATED_PRODUCTS.entries()) {
      // Every seventh site lacks a licence for its third product, so "unlicensed" shows up too.
      products.push({ site: id, key, licensed: !(k === 2 && i % 7 === 0), defaultGroup: `${key}-users`, billableSeats: Math.floor(rand() * 500) });
    }
  }
  const licensed = products.filter((p) => p.licensed);

  const users: User[] = [];
  const roles: RoleAssignment[] = [];
  const grantRoles = (experience === 'centralized' ? CENTRALIZED_ROLES : ORIGINAL_ROLES).filter((r) => r !== 'org_admin' && r !== 'guard_admin');
  for (let i = 0; i < opts.users; i++) {
    const id = `user-${pad(i, 6)}`;
    const home = sites[Math.floor(rand() * nSites)]!.id;
    const userSites = rand() < 0.1 ? [] : rand() < 0.2 && nSites > 1 ? [...new Set([home, pick(sites).id])] : [home];
    users.push({ id, name: `User ${pad(i, 6)}`, email: `${id}@example.test`, emailVerified: rand() < 0.9, sites: userSites, token: `${id}-token` });
    if (i < 3) roles.push({ user: id, role: 'org_admin' });
    else if (i < 5) roles.push({ user: id, role: 'guard_admin' });
    else if (rand() < adminShare) {
      const role = pick(grantRoles);
      const site = pick(sites).id;
      const r: RoleAssignment = { user: id, role, site };
      if (ROLE_SHAPES[role].fields === 'product') r.product = pick(GENERATED_PRODUCTS);
      if (ROLE_SHAPES[role].fields === 'products') r.products = GENERATED_PRODUCTS.filter(() => rand() < 0.5).slice(0, 2);
      if (r.products?.length === 0) r.products = [pick(GENERATED_PRODUCTS)];
      if (rand() < 0.05) Object.assign(r, { source: 'scim', pendingSync: true });
      roles.push(r);
    }
  }

  const nEngineers = Math.max(1, Math.ceil(opts.tickets / 100));
  const engineers = Array.from({ length: nEngineers }, (_, i) => ({ id: `eng-${pad(i, 4)}`, email: `eng-${pad(i, 4)}@support.vendor.test`, token: `eng-${pad(i, 4)}-token` }));
  const tickets: Ticket[] = [];
  for (let i = 0; i < opts.tickets; i++) {
    const p = pick(licensed);
    const t: Ticket = {
      key: `PS-${1000 + i}`,
      title: `Generated issue ${i}`,
      site: p.site,
      product: p.key,
      reporter: users.length > 0 ? pick(users).id : '',
      engineer: pick(engineers).id,
      status: rand() < 0.1 ? 'closed' : 'open',
      dataAccessRequested: rand() < 0.5,
    };
    if (rand() < 0.1) t.aiConversationsRequested = [`conv-${i}-a`, `conv-${i}-b`];
    tickets.push(t);
  }
  return {
    organization: { id: 'gen', name: 'Generated Org', userManagement: experience, guard: { restrictedSites: restricted } },
    sites,
    products,
    users,
    roles,
    engineers,
    tickets,
  };
}
