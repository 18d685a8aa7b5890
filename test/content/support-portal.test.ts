// @vitest-environment happy-dom
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { findPanelSlot, PortalMarkupError, portalAccount, readPageFacts, readTicketContext, requireTicketContext } from '../../src/content/adapters/support-portal';

function load(name: string): Document {
  // Stylesheets and scripts are irrelevant to the adapter, and happy-dom would try to fetch them.
  const html = readFileSync(join(import.meta.dirname, 'fixtures', `${name}.html`), 'utf8')
    .replace(/<link\b[^>]*>/g, '')
    .replace(/<script\b[^>]*>\s*<\/script>/g, '');
  return new DOMParser().parseFromString(html, 'text/html');
}

describe('support portal adapter, on saved pages', () => {
  test('reads key, product and site from a rendered ticket page', () => {
    expect(readTicketContext(load('portal-ticket-PS-101'))).toEqual({
      key: 'PS-101',
      title: 'Confluence page export to PDF times out',
      productName: 'Confluence',
      product: 'confluence',
      siteUrl: 'https://acme.atlassian.net',
    });
  });

  test('keeps a hostile title as plain text and maps a multi-word product to its key', () => {
    const context = requireTicketContext(load('portal-ticket-PS-105'));
    expect(context.title).toBe('<img src=x onerror=alert(1)> Export fails');
    expect(context.product).toBe('jira-service-management');
  });

  test('reads a restyled page by its visible labels and landmarks, not its classes', () => {
    expect(readTicketContext(load('portal-ticket-restyled'))).toMatchObject({
      key: 'CA-7',
      productName: 'Jira Service Management',
      product: 'jira-service-management',
      siteUrl: 'https://globex.atlassian.net',
    });
  });

  test('a page that has not rendered yet, or is not a ticket, has no context', () => {
    expect(readTicketContext(load('portal-ticket-loading'))).toBeUndefined();
    expect(readTicketContext(load('portal-requests'))).toBeUndefined();
    expect(() => requireTicketContext(load('portal-requests'))).toThrow(PortalMarkupError);
  });

  test('the panel goes in the sidebar right after the details card', () => {
    const doc = load('portal-ticket-PS-101');
    const slot = findPanelSlot(doc)!;
    expect(slot.parent.getAttribute('aria-label')).toBe('Request details');
    expect(slot.after?.textContent).toContain('Product');
    expect(slot.after?.nextElementSibling?.textContent).toContain('Approve data access');
  });

  test('"We can\'t find that request": the page shows no ticket; the panel goes after the portal\'s sentence', () => {
    const doc = load('portal-request-not-found');
    expect(readPageFacts(doc)).toEqual({ missing: true, account: 'bob@acme.test' });
    expect(readTicketContext(doc)).toBeUndefined();
    const slot = findPanelSlot(doc)!;
    expect(slot.kind).toBe('after-notice');
    expect(slot.after?.textContent).toBe('PS-999 doesn’t exist or you don’t have access.');
    // A ticket page is not a missing one.
    expect(readPageFacts(load('portal-ticket-PS-101')).missing).toBeUndefined();
  });

  test("the portal's signed-in account is read from its header's account menu, name and address side by side", () => {
    expect(portalAccount(load('portal-request-not-found'))).toBe('bob@acme.test');
    // A header that shows only a name says nothing we can compare.
    expect(portalAccount(load('portal-requests'))).toBeUndefined();
  });
});
