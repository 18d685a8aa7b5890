// The roles page's choices and words: the granting roles of each experience (Guard admin grants
// nothing, so it is not offered), the assignment each needs to reach one product on one site, and
// what an assignment covers in words.
import { describe, expect, it } from 'vitest';
import { grantingRolesFor, placeFor, roleReachWords, roleTitle } from '../../src/shared-ext/role-words';

const product = (k: string) => ({ jira: 'Jira', confluence: 'Confluence' })[k] ?? k;
const site = (id: string) => (id === 'main' ? 'acme.atlassian.net' : id);

describe('role words', () => {
  it('offers the granting roles of the experience, strongest first, never Guard admin', () => {
    expect(grantingRolesFor('centralized')).toEqual(['org_admin', 'user_access_admin', 'product_admin', 'billing_admin', 'technical_contact']);
    expect(grantingRolesFor('original')).toEqual(['org_admin', 'site_admin', 'product_admin', 'trusted_user', 'billing_contact', 'technical_contact']);
  });

  it('builds the assignment each role needs to reach the product on the site (DESIGN §2.1, §6)', () => {
    expect(placeFor('org_admin', 'main', 'jira')).toEqual({ role: 'org_admin' });
    expect(placeFor('site_admin', 'main', 'jira')).toEqual({ role: 'site_admin', site: 'main' });
    expect(placeFor('user_access_admin', 'main', 'jira')).toEqual({ role: 'user_access_admin', site: 'main' });
    expect(placeFor('product_admin', 'main', 'jira')).toEqual({ role: 'product_admin', site: 'main', product: 'jira' });
    expect(placeFor('trusted_user', 'main', 'jira')).toEqual({ role: 'trusted_user', site: 'main', product: 'jira' });
    expect(placeFor('billing_admin', 'main', 'jira')).toEqual({ role: 'billing_admin', site: 'main', products: ['jira'] });
    expect(placeFor('technical_contact', 'main', 'jira')).toEqual({ role: 'technical_contact', site: 'main', products: ['jira'] });
  });

  it('says what an assignment covers', () => {
    expect(roleReachWords({ role: 'org_admin' }, product, site)).toBe('across the organization');
    expect(roleReachWords({ role: 'site_admin', site: 'main' }, product, site)).toBe('on every product of acme.atlassian.net');
    expect(roleReachWords({ role: 'product_admin', site: 'main', product: 'confluence' }, product, site)).toBe('of Confluence on acme.atlassian.net');
    expect(roleReachWords({ role: 'technical_contact', site: 'main', products: ['jira', 'confluence'] }, product, site)).toBe('of Jira, Confluence on acme.atlassian.net');
    expect(roleTitle('user_access_admin')).toBe('User access admin');
  });
});
