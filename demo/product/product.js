// Our imitation of a vendor's product site (Confluence at /wiki, Jira at /jira) on the site's own
// origin. The demo "signs in" with ?as=<user id>; a user without the product sees the vendor's
// "You don't have access" page with its own Request access button.
import { h, initials } from '/assets/shared/dom.js';

const params = new URLSearchParams(location.search);
const as = params.get('as') ?? '';
const withAs = (path, id = as) => (id ? `${path}?as=${encodeURIComponent(id)}` : path);

async function main() {
  const res = await fetch(`/demo-api/product-page?${new URLSearchParams({ path: location.pathname, as })}`);
  const root = document.getElementById('root');
  if (!res.ok) { root.replaceChildren(h('p', { class: 'loading' }, `This site is not part of the demo (HTTP ${res.status}).`)); return; }
  const page = await res.json();
  document.title = `${page.productName} - ${page.siteHost}`;
  document.getElementById('product-title').textContent = `${page.productName} · ${page.siteHost}`;
  document.getElementById('products').replaceChildren(
    ...page.products.map((p) => h('a', { href: withAs(p.path), 'aria-current': p.key === page.productKey ? 'page' : undefined }, p.name)),
  );
  const account = document.getElementById('account');
  if (page.user) account.replaceChildren(h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(page.user.name)), h('span', {}, page.user.name));
  root.replaceChildren(page.user ? (page.hasAccess ? home(page) : noAccess(page)) : signIn(page));
}

function noAccess(page) {
  const note = h('p', { class: 'vendor-note', role: 'status', hidden: true });
  return h('section', { class: 'card no-access', 'aria-labelledby': 'no-access-heading' },
    h('h1', { id: 'no-access-heading' }, `You don't have access to ${page.productName}`),
    h('p', {}, `You're logged in as ${page.user.name} (${page.user.email}). Request access from an admin of ${page.siteHost}, or log in with a different account.`),
    h('div', { class: 'actions' },
      // The vendor's own button: in this stand-in it sends nothing (the extension's controls below do).
      h('button', { type: 'button', class: 'button primary', onclick: () => { note.hidden = false; note.textContent = 'Demo: the vendor\'s own button sends nothing here. Use Access Companion below to request access.'; } }, 'Request access'),
      h('a', { href: location.pathname }, 'Log in with a different account'),
    ),
    note,
  );
}

function home(page) {
  return h('section', { class: 'home', 'aria-labelledby': 'home-heading' },
    h('h1', { id: 'home-heading' }, `Welcome to ${page.productName}, ${page.user.name.split(' ')[0]}`),
    h('p', { class: 'muted' }, `${page.siteHost} · you have access to ${page.productName}.`),
  );
}

function signIn(page) {
  return h('section', { class: 'card sign-in', 'aria-labelledby': 'sign-in-heading' },
    h('h1', { id: 'sign-in-heading' }, 'Log in to continue'),
    h('p', { class: 'muted' }, 'Demo: pick who you are.'),
    h('ul', { class: 'plain' }, ...page.people.map((u) => h('li', {}, h('a', { href: withAs(location.pathname, u.id) }, `${u.name} (${u.email})`)))),
  );
}

main();
