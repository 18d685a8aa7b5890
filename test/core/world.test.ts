import { describe, expect, it } from 'vitest';
import { CAUSE_ORDER, generateWorld, grantEligibility, indexWorld, parseWorld, WorldError } from '../../src/core/index';
import { loadFixture, rawFixture } from './helpers';

type Mutation = [string, (w: Record<string, any>) => void, RegExp];

const centralizedCases: Mutation[] = [
  [
    'unknown top-level key',
    (w) => {
      w.extra = 1;
    },
    /^world: unknown key "extra"$/,
  ],
  [
    'unknown key on a site',
    (w) => {
      w.sites[1].region = 'eu';
    },
    /^sites\[1\] \("acme-eu"\): unknown key "region"$/,
  ],
  [
    'role foreign to the experience',
    (w) => {
      w.roles[3] = { user: 'bob', role: 'site_admin', site: 'acme-main' };
    },
    /^roles\[3\] \(user "bob"\): role "site_admin" does not exist in a centralized org$/,
  ],
  [
    'role on a site that does not exist',
    (w) => {
      w.roles[1].site = 'acme-mars';
    },
    /^roles\[1\] \(user "bob"\): site "acme-mars" does not exist$/,
  ],
  [
    'role for a product not on its site',
    (w) => {
      w.roles[1].product = 'bitbucket';
    },
    /^roles\[1\] \(user "bob"\): product "bitbucket" does not exist on site "acme-main"$/,
  ],
  [
    'role for an unknown user',
    (w) => {
      w.roles[0].user = 'zed';
    },
    /^roles\[0\] \(user "zed"\): user "zed" does not exist$/,
  ],
  [
    'product admin without a product',
    (w) => {
      delete w.roles[1].product;
    },
    /roles\[1\] \(user "bob"\): product_admin needs the "product"/,
  ],
  [
    'contact with a single product field',
    (w) => {
      w.roles[3] = { user: 'cara', role: 'billing_admin', site: 'acme-main', product: 'jira' };
    },
    /roles\[3\] \(user "cara"\): billing_admin takes no "product"/,
  ],
  [
    'org admin with a site',
    (w) => {
      w.roles[0].site = 'acme-main';
    },
    /roles\[0\] \(user "alice"\): org_admin is org-wide/,
  ],
  [
    'site role without a site',
    (w) => {
      delete w.roles[4].site;
    },
    /roles\[4\] \(user "dev"\): user_access_admin needs a "site"/,
  ],
  [
    'pendingSync without SCIM',
    (w) => {
      delete w.roles[7].source;
    },
    /roles\[7\] \(user "hana"\): pendingSync applies only/,
  ],
  [
    'duplicate role',
    (w) => {
      w.roles.push({ ...w.roles[1] });
    },
    /roles\[\d+\]: user "bob" already has product_admin on acme-main\/jira/,
  ],
  [
    'duplicate user id',
    (w) => {
      w.users.push({ ...w.users[0], email: 'other@acme.test', token: 'x-token' });
    },
    /users\[\d+\]: duplicate user id "alice"/,
  ],
  [
    'token shared by a user and an engineer',
    (w) => {
      w.engineers[0].token = 'alice-token';
    },
    /engineers\[0\] \("sam"\): token is already used by users\[0\] \("alice"\)/,
  ],
  [
    'engineer id that is a user id',
    (w) => {
      w.engineers[0].id = 'bob';
    },
    /engineers\[0\] \("bob"\): id "bob" is also a user id/,
  ],
  [
    'engineer email that is a user email',
    (w) => {
      w.engineers[0].email = w.users[1].email.toUpperCase();
    },
    /engineers\[0\] \("sam"\): email ".*" is also a user's email/,
  ],
  [
    'duplicate engineer email',
    (w) => {
      w.engineers.push({ id: 'sam2', email: w.engineers[0].email });
    },
    /engineers\[\d+\]: duplicate engineer email/,
  ],
  [
    'ticket key of another shape',
    (w) => {
      w.tickets[0].key = 'ps-101';
    },
    /tickets\[0\] \("ps-101"\): key "ps-101" must look like PS-101/,
  ],
  [
    'ticket key longer than any part accepts',
    (w) => {
      w.tickets[0].key = `PS-${'1'.repeat(300)}`;
    },
    /tickets\[0\] \("PS-1+"\): key "PS-1+" must look like PS-101 .* in at most 200 characters/,
  ],
  [
    'malformed email',
    (w) => {
      w.users[1].email = 'bob-at-acme';
    },
    /users\[1\] \("bob"\): email "bob-at-acme" is not an email address/,
  ],
  [
    'malformed site url',
    (w) => {
      w.sites[0].url = 'acme.atlassian.net';
    },
    /sites\[0\] \("acme-main"\): url/,
  ],
  [
    'bad site status',
    (w) => {
      w.sites[0].status = 'deleted';
    },
    /sites\[0\] \("acme-main"\): status must be/,
  ],
  [
    'negative seats',
    (w) => {
      w.products[0].billableSeats = -1;
    },
    /products\[0\] \("acme-main\/jira"\): billableSeats/,
  ],
  [
    'guard restricting an unknown site',
    (w) => {
      w.organization.guard.restrictedSites = ['nowhere'];
    },
    /organization\.guard\.restrictedSites\[0\]: site "nowhere" does not exist/,
  ],
  [
    'ticket on an unknown engineer',
    (w) => {
      w.tickets[0].engineer = 'ghost';
    },
    /tickets\[0\] \("PS-101"\): engineer "ghost" does not exist/,
  ],
  [
    'ticket on an unlicensed product',
    (w) => {
      w.tickets[0].product = 'loom';
    },
    /tickets\[0\] \("PS-101"\): product "loom" is not licensed/,
  ],
  [
    'duplicate ticket key',
    (w) => {
      w.tickets[1].key = 'PS-101';
    },
    /tickets\[1\]: duplicate ticket key "PS-101"/,
  ],
  [
    'user in a product that does not exist',
    (w) => {
      w.users[1].products = ['acme-main/trello'];
    },
    /users\[1\] \("bob"\): product "acme-main\/trello" does not exist/,
  ],
  [
    'missing list',
    (w) => {
      delete w.tickets;
    },
    /^world: missing "tickets"$/,
  ],
  [
    'wrong type',
    (w) => {
      w.users[0].emailVerified = 'yes';
    },
    /users\[0\] \("alice"\): "emailVerified" must be true or false/,
  ],
  [
    'identity provider over plain http elsewhere than localhost',
    (w) => {
      w.organization.identity = { issuer: 'http://login.acme.example', clientId: 'access-companion' };
    },
    /^organization\.identity: issuer "http:\/\/login\.acme\.example" must be an https:\/\/ URL/,
  ],
  [
    'identity provider without a client id',
    (w) => {
      w.organization.identity = { issuer: 'https://login.acme.example' };
    },
    /^organization\.identity: missing "clientId"|organization\.identity.*clientId/,
  ],
  [
    'identity provider with an unknown key',
    (w) => {
      w.organization.identity = { issuer: 'https://login.acme.example', clientId: 'c', secret: 'x' };
    },
    /^organization\.identity: unknown key "secret"$/,
  ],
  [
    'identity scopes without openid',
    (w) => {
      w.organization.identity = { issuer: 'https://login.acme.example', clientId: 'c', scopes: ['email'] };
    },
    /^organization\.identity: scopes must include "openid"$/,
  ],
];

describe('organization.identity', () => {
  it('names the provider, with the default scopes', () => {
    const w = rawFixture('demo-world');
    w.organization.identity = { issuer: 'https://login.acme.example/tenant', clientId: 'access-companion' };
    expect(parseWorld(w).organization.identity).toEqual({ issuer: 'https://login.acme.example/tenant', clientId: 'access-companion', scopes: ['openid', 'email', 'profile', 'offline_access'] });
  });
});

describe('parseWorld rejects bad input, naming the entry', () => {
  it.each(centralizedCases)('%s', (_name, mutate, message) => {
    const w = rawFixture('demo-world');
    mutate(w);
    expect(() => parseWorld(w)).toThrow(WorldError);
    expect(() => parseWorld(w)).toThrow(message);
  });

  it('rejects user_access_admin in an original org', () => {
    const w = rawFixture('original-world');
    w.roles.push({ user: 'max', role: 'user_access_admin', site: 'globex-main' });
    expect(() => parseWorld(w)).toThrow(/roles\[8\] \(user "max"\): role "user_access_admin" does not exist in an original org/);
  });

  it('rejects non-objects', () => {
    expect(() => parseWorld(null)).toThrow(/^world: must be a JSON object$/);
    expect(() => parseWorld([])).toThrow(WorldError);
  });
});

describe('fixtures', () => {
  it('both fixtures load', () => {
    expect(loadFixture('demo-world').world.organization.userManagement).toBe('centralized');
    expect(loadFixture('original-world').world.organization.userManagement).toBe('original');
  });

  it('the demo world shows every checklist cause on some ticket', () => {
    const ix = loadFixture('demo-world');
    const seen = new Set<string>();
    for (const t of ix.world.tickets) for (const u of ix.world.users) for (const c of grantEligibility(ix, u.id, t.key).causes) seen.add(c.code);
    expect([...seen].sort()).toEqual([...CAUSE_ORDER].sort());
  });

  it('the demo world has a Guard-restricted ticket someone can grant, a closed ticket and an HTML-bearing title', () => {
    const ix = loadFixture('demo-world');
    const restricted = ix.world.tickets.filter((t) => ix.restrictedSites.has(t.site) && t.status === 'open');
    expect(restricted.some((t) => grantEligibility(ix, 'ivan', t.key).allowed)).toBe(true);
    expect(ix.world.tickets.some((t) => t.status === 'closed')).toBe(true);
    expect(ix.world.tickets.some((t) => t.title?.includes('<img'))).toBe(true);
  });
});

describe('generateWorld', () => {
  it('is deterministic and valid', () => {
    const a = generateWorld({ users: 2000, sites: 40, tickets: 500, seed: 7 });
    expect(generateWorld({ users: 2000, sites: 40, tickets: 500, seed: 7 })).toEqual(a);
    expect(generateWorld({ users: 2000, sites: 40, tickets: 500, seed: 8 })).not.toEqual(a);
    expect(() => parseWorld(JSON.parse(JSON.stringify(a)))).not.toThrow();
    expect(() => parseWorld(generateWorld({ users: 500, sites: 10, tickets: 100, seed: 3, userManagement: 'original' }))).not.toThrow();
  });
});

describe('groups in the world file (DESIGN §6)', () => {
  const withGroups = (edit: (w: Record<string, any>) => void = () => {}) => {
    const w = rawFixture('demo-world') as Record<string, any>;
    w.groups = [{ id: 'confluence-admins', name: 'Confluence admins', members: ['bob'] }];
    w.roles.push({ group: 'confluence-admins', role: 'product_admin', site: 'acme-main', product: 'confluence' });
    edit(w);
    return w;
  };

  it("a member holds the group's roles beside their own", () => {
    const world = parseWorld(withGroups());
    expect(world.groupRoles).toEqual([{ group: 'confluence-admins', role: 'product_admin', site: 'acme-main', product: 'confluence' }]);
    const roles = indexWorld(world).rolesByUser.get('bob')!;
    expect(roles.map((r) => [r.role, r.product, r.group])).toEqual(
      expect.arrayContaining([
        ['product_admin', 'jira', undefined],
        ['product_admin', 'confluence', 'confluence-admins'],
      ]),
    );
  });

  it.each<[string, (w: Record<string, any>) => void, RegExp]>([
    ['a member who is no user', (w) => w.groups[0].members.push('zed'), /^groups\[0\] \("confluence-admins"\): member "zed" is not a user$/],
    ['a group id that is a user id', (w) => (w.groups[0].id = 'bob'), /^groups\[0\] \("bob"\): id "bob" is also a user id$/],
    ['a role naming an unknown group', (w) => (w.roles[w.roles.length - 1].group = 'nobody'), /\(group "nobody"\): group "nobody" does not exist$/],
    ['a role naming both a user and a group', (w) => (w.roles[w.roles.length - 1].user = 'bob'), /name exactly one of "user" or "group"$/],
    [
      'a group role foreign to the experience',
      (w) => (w.roles[w.roles.length - 1] = { group: 'confluence-admins', role: 'site_admin', site: 'acme-main' }),
      /role "site_admin" does not exist in a centralized org$/,
    ],
  ])('rejects %s', (_name, edit, message) => {
    expect(() => parseWorld(withGroups(edit))).toThrow(message);
  });
});
