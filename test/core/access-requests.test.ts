import { describe, expect, it } from 'vitest';
import {
  accessRequestPolicy,
  accessRequestReviewers,
  approveAccessRequestEffect,
  decideAccessRequest,
  denyAccessRequestEffect,
  mayReviewAccessRequests,
  type AccessRequest,
  type AccessRequestBar,
  type AccessRequestTarget,
} from '../../src/core/index';
import { loadFixture } from './helpers';

const ix = loadFixture('demo-world');
const gx = loadFixture('original-world');
const none = undefined;
const oscarBar: AccessRequestBar = { at: '2025-03-04T10:00:00Z', site: 'acme-main', product: 'jira' };

describe('who may request product access for whom', () => {
  it.each<[string, string, string, AccessRequestTarget | undefined, AccessRequestBar | undefined, string]>([
    ['a site user for themselves', 'nina', 'confluence', undefined, none, 'ok:self:on'],
    ['a site user for another site user', 'nina', 'confluence', { userId: 'frank' }, none, 'ok:other:on'],
    ['a site user for a person not on the site', 'nina', 'confluence', { userId: 'oscar' }, none, 'ok:other:on'],
    ['a site user for a newcomer by email', 'nina', 'confluence', { email: 'newhire@acme.test' }, none, 'ok:other:on'],
    ['a site user naming their own email', 'nina', 'confluence', { email: 'NINA@acme.test' }, none, 'ok:self:on'],
    ['a person not on the site for themselves', 'oscar', 'confluence', undefined, none, 'ok:self:off'],
    ['a person not on the site for someone else', 'oscar', 'confluence', { userId: 'nina' }, none, 'not_on_site_others'],
    ['a person not on the site for a newcomer', 'oscar', 'confluence', { email: 'friend@partner.test' }, none, 'not_on_site_others'],
    ['a person not on the site without a verified email', 'pat', 'confluence', undefined, none, 'email_unverified'],
    ['a barred person', 'oscar', 'confluence', undefined, oscarBar, 'barred'],
    ['someone without an account', 'ghost', 'confluence', undefined, none, 'no_account'],
    ['a user who already has the product', 'bob', 'jira', undefined, none, 'already_has_access'],
    ['an unlicensed product', 'nina', 'loom', undefined, none, 'product_unlicensed'],
    ['a product the site lacks', 'nina', 'bitbucket', undefined, none, 'unknown_product'],
    ['a malformed email', 'nina', 'confluence', { email: 'not-an-email' }, none, 'invalid_email'],
  ])('%s', (_n, requester, product, target, barred, want) => {
    const v = accessRequestPolicy(ix, requester, 'acme-main', product, target, barred);
    const got = v.ok ? `ok:${v.self ? 'self' : 'other'}:${v.requesterOnSite ? 'on' : 'off'}` : v.code;
    expect(got).toBe(want);
    if (!v.ok) expect(v.message.length).toBeGreaterThan(5);
  });
});

describe('a known user named by email', () => {
  it('is stored as that user, so self and already-has-access checks see them', () => {
    const v = accessRequestPolicy(ix, 'nina', 'acme-main', 'confluence', { email: ' Frank@ACME.test ' }, none);
    expect(v).toMatchObject({ ok: true, self: false, for: { userId: 'frank' } });
    const newcomer = accessRequestPolicy(ix, 'nina', 'acme-main', 'confluence', { email: 'NewHire@acme.test' }, none);
    expect(newcomer).toMatchObject({ ok: true, for: { email: 'newhire@acme.test' } });
  });

  it('cannot be approved by that user, even on a request stored with the email', () => {
    const byEmail: AccessRequest = {
      id: 'ar9',
      site: 'acme-main',
      product: 'confluence',
      requestedBy: 'nina',
      for: { email: 'DEV@acme.test' },
      self: false,
      requesterOnSite: true,
      state: 'pending',
      createdAt: 'T',
      version: 1,
    };
    expect(() => decideAccessRequest(ix, byEmail, 'approve', 'dev', 'T')).toThrow(expect.objectContaining({ code: 'self_review' }));
    expect(approveAccessRequestEffect(ix, byEmail, 10).addGroup).toMatchObject({ userId: 'dev' });
    expect(approveAccessRequestEffect(ix, byEmail, 10).addGroup.email).toBeUndefined();
  });
});

describe('a standing bar', () => {
  it('names the denied request and its date, not the product asked for now', () => {
    const v = accessRequestPolicy(ix, 'oscar', 'acme-main', 'confluence', undefined, oscarBar);
    expect(v.ok).toBe(false);
    const message = (v as { message: string }).message;
    expect(message).toContain('Jira on acme.atlassian.net');
    expect(message).toContain('2025-03-04');
    expect(message).not.toContain('Confluence');
    expect(message).toContain('anywhere in Acme Corp');
  });

  it('covers every site and product of the org', () => {
    for (const [site, product] of [
      ['acme-main', 'jira'],
      ['acme-eu', 'jira'],
    ]) {
      expect(accessRequestPolicy(ix, 'oscar', site!, product!, undefined, oscarBar)).toMatchObject({ ok: false, code: 'barred' });
    }
  });
});

describe('who reviews', () => {
  it('org admins and user-access admins of the site (centralized)', () => {
    expect(accessRequestReviewers(ix, 'acme-main')).toEqual(['alice', 'dev']);
    expect(accessRequestReviewers(ix, 'acme-eu')).toEqual(['alice']);
    expect(mayReviewAccessRequests(ix, 'dev', 'acme-main')).toBe(true);
    expect(mayReviewAccessRequests(ix, 'dev', 'acme-eu')).toBe(false);
    expect(mayReviewAccessRequests(ix, 'bob', 'acme-main')).toBe(false);
    expect(mayReviewAccessRequests(ix, 'gus', 'acme-main')).toBe(false);
  });

  it('org admins and site admins of the site (original), not SCIM-pending ones', () => {
    expect(accessRequestReviewers(gx, 'globex-main')).toEqual(['olga', 'sid']);
    expect(mayReviewAccessRequests(gx, 'sara', 'globex-apac')).toBe(false);
    expect(mayReviewAccessRequests(gx, 'paula', 'globex-main')).toBe(false);
  });
});

describe('decisions', () => {
  const base: AccessRequest = {
    id: 'ar1',
    site: 'acme-main',
    product: 'confluence',
    requestedBy: 'oscar',
    for: { userId: 'oscar' },
    self: true,
    requesterOnSite: false,
    state: 'pending',
    createdAt: '2025-01-01T00:00:00Z',
    version: 1,
  };

  it('approval adds the default group and one billable seat', () => {
    expect(approveAccessRequestEffect(ix, base)).toEqual({ addGroup: { site: 'acme-main', product: 'confluence', group: 'confluence-users', userId: 'oscar' }, seatsAfter: 38 });
    expect(approveAccessRequestEffect(ix, { ...base, for: { email: 'New@Acme.test' } }, 40).seatsAfter).toBe(41);
  });

  it('denying a self-request from a person not on the site bars their email; others are not barred', () => {
    expect(denyAccessRequestEffect(ix, base, ' Not a customer ')).toEqual({ barEmail: 'oscar@partner.test', message: 'Not a customer' });
    expect(denyAccessRequestEffect(ix, { ...base, requestedBy: 'nina', for: { userId: 'nina' }, requesterOnSite: true })).toEqual({});
    expect(denyAccessRequestEffect(ix, { ...base, requestedBy: 'nina', for: { userId: 'oscar' }, self: false, requesterOnSite: true })).toEqual({});
    expect(() => denyAccessRequestEffect(ix, base, 'x'.repeat(501))).toThrow(expect.objectContaining({ code: 'message_too_long' }));
  });

  it('pending → approved/denied once, by a reviewer other than the requester', () => {
    const denied = decideAccessRequest(ix, base, 'deny', 'dev', 'T', 'Sorry');
    expect(denied).toMatchObject({ state: 'denied', decidedBy: 'dev', message: 'Sorry', version: 2 });
    expect(() => decideAccessRequest(ix, denied, 'approve', 'alice', 'T')).toThrow(expect.objectContaining({ code: 'illegal_transition' }));
    expect(() => decideAccessRequest(ix, base, 'approve', 'bob', 'T')).toThrow(expect.objectContaining({ code: 'not_reviewer' }));
    expect(() => decideAccessRequest(ix, { ...base, requestedBy: 'dev', for: { userId: 'dev' } }, 'approve', 'dev', 'T')).toThrow(expect.objectContaining({ code: 'self_review' }));
    expect(decideAccessRequest(ix, base, 'approve', 'alice', 'T').state).toBe('approved');
  });
});
