// The portal's raise-a-request form ("Technical support"): product, site, summary, description and
// the vendor's consent box. Sending it raises the request through the portal's backend (which asks
// the Access API as the logged-in person) and opens the new request's page.
import { h } from '/assets/shared/dom.js';

const CONSENT_LABEL = 'Allow Atlassian Support to access my data for this request';

function field(id, label, control, hint) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null);
}

/** "Causes" of a refusal as the API words them: each with its fix. */
function problemView(problem) {
  return [
    h('p', {}, h('strong', {}, problem.title ?? 'The request was not sent'), problem.detail ? ` ${problem.detail}` : ''),
    Array.isArray(problem.causes) && problem.causes.length > 0
      ? h('ul', {}, problem.causes.map((c) => h('li', {}, `${c.message} ${c.fix}`)))
      : null,
  ];
}

/**
 * Renders the form into #root. `navigate(href)` moves to another portal page; `approvals` is the
 * portal's record of data-access approvals, marked for a request raised with the box ticked.
 */
export function renderCreate({ me, world, navigate, approvals }) {
  const productKeys = [...new Set(world.products.map((p) => p.key))];
  const productName = (key) => world.products.find((p) => p.key === key)?.name ?? key;
  const product = h('select', { id: 'product', name: 'product', required: true },
    h('option', { value: '' }, 'Select a product'),
    productKeys.map((key) => h('option', { value: key }, productName(key))));
  const site = h('select', { id: 'site', name: 'site', required: true, 'aria-describedby': 'site-hint' },
    h('option', { value: '' }, 'Select a site'),
    world.sites.map((s) => h('option', { value: s.id }, s.host)));
  const summary = h('input', { id: 'summary', name: 'summary', type: 'text', required: true, maxlength: 255, autocomplete: 'off' });
  const description = h('textarea', { id: 'description', name: 'description', rows: 5 });
  const consent = h('input', { id: 'consent', name: 'consent', type: 'checkbox' });
  const error = h('div', { class: 'form-error', role: 'alert' });
  const send = h('button', { type: 'submit', class: 'button primary' }, 'Send');
  // One key per filled-in form: a resend after a network error is the same request, not a second one.
  let idempotencyKey = crypto.randomUUID();
  const form = h('form', { class: 'create-form card', 'aria-label': 'Raise a request', novalidate: true },
    field('product', 'Product', product),
    field('site', 'Site URL', site, 'The site the problem is on.'),
    field('summary', 'Summary', summary),
    field('description', 'Description', description),
    h('div', { class: 'field consent' },
      h('div', { class: 'consent-row' }, consent, h('label', { for: 'consent' }, CONSENT_LABEL)),
      h('p', { class: 'hint' }, 'Support can then read your data in this product on this site while the request is open. You can revoke access at any time.')),
    error,
    h('div', { class: 'actions' }, send, h('a', { href: '/servicedesk/customer/user/requests', class: 'button subtle' }, 'Cancel')));
  for (const control of [product, site, summary, description, consent]) control.addEventListener('input', () => { idempotencyKey = crypto.randomUUID(); });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.replaceChildren();
    if (!product.value || !site.value || !summary.value.trim()) {
      error.replaceChildren(h('p', {}, 'Choose a product and a site, and give the request a summary.'));
      return;
    }
    send.disabled = true;
    try {
      const res = await fetch(`/demo-api/tickets${location.search}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify({ site: site.value, product: product.value, summary: summary.value, ...(description.value.trim() ? { description: description.value } : {}), grantDataAccess: consent.checked }),
      });
      const body = await res.json().catch(() => ({}));
      if (res.status !== 201) {
        error.replaceChildren(...problemView(body));
        return;
      }
      if (body.grant) approvals.set(body.ticket.key, true);
      navigate(`/servicedesk/customer/portal/1/${body.ticket.key}${location.search}`);
    } catch (e) {
      error.replaceChildren(h('p', {}, `The request was not sent: ${e.message}. Try again.`));
    } finally {
      send.disabled = false;
    }
  });

  document.getElementById('root').replaceChildren(h('main', { class: 'request create' },
    h('nav', { 'aria-label': 'Breadcrumbs', class: 'breadcrumbs' },
      h('ol', {},
        h('li', {}, h('a', { href: '/servicedesk/customer/portals' }, 'Help Center')),
        h('li', {}, 'Atlassian Support'),
        h('li', { 'aria-current': 'page' }, 'Technical support'))),
    h('header', { class: 'request-header' },
      h('h1', {}, 'Technical support'),
      h('p', { class: 'muted' }, `Get help with a problem in one of your cloud products. Raising as ${me.name} (${me.email}).`)),
    form));
  document.title = 'Technical support - Atlassian Support';
}
