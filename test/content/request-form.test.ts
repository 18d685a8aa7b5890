// @vitest-environment happy-dom
// The request form adapter: the consent box and the product and site fields are found by the labels
// a person reads, on our demo portal's markup and on forms built differently; the fragment the
// consent frame gets follows the form's choice.
import { describe, expect, test } from 'vitest';
import { findRequestForm, readRequestChoice } from '../../src/content/adapters/request-form';
import { consentFragment } from '../../src/content/features/request-form-consent';

const parse = (html: string) => new DOMParser().parseFromString(html, 'text/html');

const DEMO_LIKE = `<main><form aria-label="Raise a request">
  <div class="field"><label for="product">Product</label><select id="product"><option value="">Select a product</option><option value="jira">Jira</option><option value="confluence">Confluence</option><option value="jira-service-management">Jira Service Management</option></select></div>
  <div class="field"><label for="site">Site URL</label><select id="site"><option value="">Select a site</option><option value="acme-main">acme.atlassian.net</option><option value="acme-eu">acme-eu.atlassian.net</option></select></div>
  <div class="field"><label for="summary">Summary</label><input id="summary" type="text"></div>
  <div class="field consent"><div class="consent-row"><input id="consent" type="checkbox"><label for="consent">Allow Atlassian Support to access my data for this request</label></div><p class="hint">…</p></div>
</form></main>`;

// Wrapped labels, punctuation, aria-labelledby, a typed site address, and no form element.
const OTHER = `<div role="main">
  <span id="p-l">Affected product:</span><select aria-labelledby="p-l"><option>Confluence</option><option selected>Jira Service Management</option></select>
  <label>* Cloud site <input type="text" value=" https://acme-eu.atlassian.net/jira "></label>
  <p><label><input type="checkbox" name="c"> Yes, Atlassian Support may access data on my site to resolve this</label></p>
</div>`;

describe('the request form', () => {
  test('our portal: the box, its row, and the chosen product and site', () => {
    const doc = parse(DEMO_LIKE);
    const form = findRequestForm(doc)!;
    expect(form.consent.id).toBe('consent');
    expect((form.consentRow as HTMLElement).className).toBe('consent-row');
    expect(readRequestChoice(form)).toEqual({});
    (doc.getElementById('product') as HTMLSelectElement).value = 'jira-service-management';
    (doc.getElementById('site') as HTMLSelectElement).value = 'acme-eu';
    expect(readRequestChoice(form)).toEqual({ product: 'jira-service-management', productName: 'Jira Service Management', site: 'https://acme-eu.atlassian.net' });
    expect(new URLSearchParams(consentFragment(readRequestChoice(form))).get('site')).toBe('https://acme-eu.atlassian.net');
  });

  test('a form built otherwise is read by its labels too', () => {
    const form = findRequestForm(parse(OTHER))!;
    expect(form.consent.name).toBe('c');
    expect(readRequestChoice(form)).toEqual({ product: 'jira-service-management', productName: 'Jira Service Management', site: 'https://acme-eu.atlassian.net' });
  });

  test('no consent box we recognise: no form (a newsletter box is not consent)', () => {
    expect(
      findRequestForm(parse('<form><label><input type="checkbox"> Send me product news</label><label for="p">Product</label><select id="p"><option>Jira</option></select></form>')),
    ).toBeUndefined();
    expect(consentFragment({})).toBe('');
  });
});
