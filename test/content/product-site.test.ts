// @vitest-environment happy-dom
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { findNoAccessPage } from '../../src/content/adapters/product-site';

const load = (name: string) => new DOMParser().parseFromString(readFileSync(join(import.meta.dirname, 'fixtures', `${name}.html`), 'utf8'), 'text/html');
const parse = (html: string) => new DOMParser().parseFromString(html, 'text/html');

describe('product site adapter', () => {
  test("reads the product and the logged-in account from the vendor's no-access page", () => {
    const page = findNoAccessPage(load('product-no-access'));
    expect(page?.productName).toBe('Confluence');
    expect(page?.account).toEqual({ name: 'Oscar Reyes', email: 'oscar@partner.test' });
  });

  test("our frame goes after the row with the vendor's Request access button", () => {
    const page = findNoAccessPage(load('product-no-access'))!;
    expect(page.after.className).toBe('actions');
    expect(page.after.textContent).toContain('Request access');
  });

  test('a product page the person can use, or one still loading, is not a no-access page', () => {
    expect(findNoAccessPage(parse('<main><h1>Welcome to Confluence, Alice</h1></main>'))).toBeUndefined();
    expect(findNoAccessPage(parse('<main><div role="status">Loading…</div></main>'))).toBeUndefined();
    // Outside the page's main region the words do not count.
    expect(findNoAccessPage(parse("<aside><h1>You don't have access to Jira</h1></aside>"))).toBeUndefined();
  });

  test('without a Request access button the frame goes after the heading; an unnamed account is left out', () => {
    const page = findNoAccessPage(parse("<main><section><h1>You don't have access to Jira</h1><p>Ask an admin.</p></section></main>"))!;
    expect(page.productName).toBe('Jira');
    expect(page.after.tagName).toBe('H1');
    expect(page.account).toBeUndefined();
  });
});
