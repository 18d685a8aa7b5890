// @vitest-environment happy-dom
// Ticket pages built unlike our portal (the same templates the demo server serves for the e2e
// tests): the adapter reads what they say about product and site, and finds a place for the panel
// or says there is none (the panel then docks).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { findPanelSlot, normalizeLabel, readPageFacts } from '../../src/content/adapters/support-portal';
import { renderLayout, type LayoutName } from '../../scripts/demo-pages';

const ticket = { key: 'PS-101', title: 'Export <b>times</b> out', productName: 'Confluence', siteUrl: 'https://acme.atlassian.net', siteHost: 'acme.atlassian.net' };
const parse = (html: string) => new DOMParser().parseFromString(html.replace(/<link\b[^>]*>/g, ''), 'text/html');
const layout = (name: LayoutName) => parse(renderLayout(name, ticket));

describe('labels as people write them', () => {
  test('case, punctuation and surrounding whitespace do not matter', () => {
    for (const raw of ['Product', 'product:', '  PRODUCT : ', '* Product', 'Product*', '(Product)']) expect(normalizeLabel(raw)).toBe('product');
    expect(normalizeLabel(' Site URL: ')).toBe('site url');
  });
});

describe('unseen ticket layouts', () => {
  test('a details table with punctuated labels and no landmarks but main: read, panel after the details box', () => {
    const doc = layout('punctuated-table');
    expect(readPageFacts(doc)).toMatchObject({ key: 'PS-101', product: 'confluence', productName: 'Confluence', siteUrl: 'https://acme.atlassian.net' });
    const slot = findPanelSlot(doc)!;
    expect(slot.kind).toBe('after-details');
    expect(slot.after?.querySelector('table')).not.toBeNull();
    expect(slot.after?.nextElementSibling?.textContent).toContain('Need help');
  });

  test('no main, no aside: heading/next element and label/control pairs, panel after the details block', () => {
    const doc = layout('no-landmarks');
    expect(readPageFacts(doc)).toMatchObject({ product: 'confluence', siteUrl: 'https://acme.atlassian.net' });
    const slot = findPanelSlot(doc)!;
    expect(slot.kind).toBe('after-details');
    expect(slot.after?.textContent).toContain('Product');
    expect(slot.parent.children).toHaveLength(2);
  });

  test('"Label: value" text only: read, panel after the section that holds it', () => {
    const doc = layout('inline-text');
    expect(readPageFacts(doc)).toMatchObject({ product: 'confluence', productName: 'Confluence', siteUrl: 'https://acme.atlassian.net' });
    expect(findPanelSlot(doc)).toMatchObject({ kind: 'after-details' });
    expect(findPanelSlot(doc)!.after!.getAttribute('aria-label')).toBe('Summary');
  });

  test('a page with nothing to read has no facts and no slot (the panel docks)', () => {
    const doc = layout('unreadable');
    expect(readPageFacts(doc)).toEqual({});
    expect(findPanelSlot(doc)).toBeUndefined();
  });

  test('punctuated labels in our own sidebar, and a "Product:" line elsewhere does not win', () => {
    const html = readFileSync(join(import.meta.dirname, 'fixtures', 'portal-ticket-punctuated-list.html'), 'utf8');
    const doc = parse(html);
    expect(readPageFacts(doc)).toEqual({ key: 'PS-101', title: 'Confluence page export to PDF times out', product: 'confluence', productName: 'Confluence', siteUrl: 'https://acme.atlassian.net' });
    const slot = findPanelSlot(doc)!;
    expect(slot.kind).toBe('after-details');
    expect(slot.after?.textContent).toContain('Details');
  });

  test('a sidebar without the details gets the panel at its top', () => {
    const doc = parse('<main><h1>x</h1><aside aria-label="Request details"><section>Status: Open</section></aside></main>');
    expect(findPanelSlot(doc)).toMatchObject({ kind: 'sidebar-top', after: null });
  });

  test('values from the page stay text: a hostile title is escaped by the demo server and read back as text', () => {
    expect(readPageFacts(layout('punctuated-table')).title).toBe('Export <b>times</b> out');
  });
});
