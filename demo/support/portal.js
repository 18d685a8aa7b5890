// Our imitation of a vendor's customer portal: a single-page app. It renders late (as if waiting on
// its own API) and moves between requests with history.pushState, never reloading the page.
import { h, loadWorld, initials } from '/assets/shared/dom.js';
import { renderCreate } from '/assets/support/create.js';

const FIRST_RENDER_DELAY_MS = 600;
const NAVIGATION_DELAY_MS = 250;
const ticketPath = /^\/servicedesk\/customer\/portal\/(\d+)\/([A-Z][A-Z0-9]+-\d+)\/?$/;
const createPath = /^\/servicedesk\/customer\/portal\/\d+\/create\/\d+\/?$/;
// Who is logged in to the portal: `?as=<user id>`, kept on every link, like a session would be.
const as = new URLSearchParams(location.search).get('as');
const withAs = (href) => (as ? `${href}?as=${encodeURIComponent(as)}` : href);
const approvals = new Map(); // ticket key → approved?, as the vendor's own buttons would record it

let world;
let renderToken = 0;

function link(href, text, attrs = {}) {
  return h('a', { href, ...attrs, onclick: (event) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    history.pushState({}, '', href);
    route(NAVIGATION_DELAY_MS);
  } }, text);
}

const ticketHref = (key) => withAs(`/servicedesk/customer/portal/1/${key}`);
const createHref = () => withAs('/servicedesk/customer/portal/1/create/1');

function statusLozenge(status) {
  return h('span', { class: `lozenge lozenge-${status}` }, status === 'open' ? 'Waiting for support' : 'Resolved');
}

function dataAccessSection(ticket) {
  const approved = approvals.get(ticket.key) ?? false;
  const section = h('section', { class: 'card', 'aria-labelledby': 'data-access-heading' },
    h('h2', { id: 'data-access-heading' }, 'Data access'),
    approved
      ? h('p', {}, 'You approved Atlassian Support to access your site data for this request.')
      : ticket.dataAccessRequested
        ? h('p', {}, 'Atlassian Support has requested access to your site data to investigate this request.')
        : h('p', {}, 'Atlassian Support has not requested access to your data.'),
    approved
      ? h('button', { type: 'button', class: 'button subtle', onclick: () => { approvals.set(ticket.key, false); render(ticket); } }, 'Revoke data access')
      : h('button', { type: 'button', class: 'button primary', onclick: () => { approvals.set(ticket.key, true); render(ticket); } }, 'Approve data access'),
  );
  return section;
}

function details(ticket) {
  const row = (term, value) => [h('dt', {}, term), h('dd', {}, value)];
  return h('aside', { class: 'sidebar', 'aria-label': 'Request details' },
    h('section', { class: 'card' },
      h('h2', {}, 'Status'),
      statusLozenge(ticket.status),
    ),
    h('section', { class: 'card' },
      h('h2', {}, 'Details'),
      h('dl', { class: 'fields' },
        row('Request type', 'Technical support'),
        row('Product', ticket.productName),
        row('Site URL', h('a', { href: ticket.siteUrl, rel: 'noopener', target: '_blank' }, ticket.siteHost)),
        row('Priority', 'P3 - Medium'),
        row('Raised by', ticket.reporterName),
        row('Shared with', world.org.name),
      ),
    ),
    dataAccessSection(ticket),
    h('section', { class: 'card' },
      h('h2', {}, 'Other requests'),
      h('ul', { class: 'plain' },
        world.tickets.filter((t) => t.key !== ticket.key).map((t) =>
          h('li', {}, link(ticketHref(t.key), `${t.key} · ${t.title}`))),
      ),
    ),
  );
}

function activity(ticket) {
  const comment = (author, when, text) => h('li', { class: 'comment' },
    h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(author)),
    h('div', {},
      h('div', { class: 'comment-meta' }, h('strong', {}, author), ' · ', h('time', {}, when)),
      h('p', {}, text)));
  return h('section', { class: 'activity', 'aria-label': 'Activity' },
    h('div', { class: 'reply' },
      h('label', { for: 'reply' }, 'Add a comment'),
      h('textarea', { id: 'reply', rows: 3, placeholder: 'Type your reply…' })),
    h('h2', {}, 'Activity'),
    h('ol', { class: 'comments' },
      comment(ticket.engineerName, '2 hours ago', `Thanks for the details. To reproduce this on ${ticket.siteHost} we need to look at your ${ticket.productName} data. Please approve data access from the panel on the right.`),
      comment(ticket.reporterName, 'Yesterday', ticket.description),
    ));
}

function render(ticket) {
  const root = document.getElementById('root');
  root.replaceChildren(
    h('main', { class: 'request' },
      h('nav', { 'aria-label': 'Breadcrumbs', class: 'breadcrumbs' },
        h('ol', {},
          h('li', {}, h('a', { href: '/servicedesk/customer/portals' }, 'Help Center')),
          h('li', {}, link('/servicedesk/customer/user/requests', 'Requests')),
          h('li', { 'aria-current': 'page' }, ticket.key))),
      h('header', { class: 'request-header' },
        h('p', { class: 'request-key' }, ticket.key),
        h('h1', {}, ticket.title)),
      h('div', { class: 'request-body' }, activity(ticket), details(ticket))));
  document.title = `${ticket.key}: ${ticket.title} - Atlassian Support`;
}

function renderRequests() {
  const root = document.getElementById('root');
  root.replaceChildren(h('main', { class: 'requests' },
    h('div', { class: 'requests-head' }, h('h1', {}, 'Requests'), link(createHref(), 'Raise a request', { class: 'button primary' })),
    h('table', {},
      h('thead', {}, h('tr', {}, ['Reference', 'Summary', 'Product', 'Status'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, world.tickets.map((t) => h('tr', {},
        h('td', {}, link(ticketHref(t.key), t.key)), h('td', {}, t.title), h('td', {}, t.productName),
        h('td', {}, statusLozenge(t.status))))))));
  document.title = 'Requests - Atlassian Support';
}

function renderNotFound(key) {
  document.getElementById('root').replaceChildren(h('main', { class: 'request' },
    h('h1', {}, 'We can’t find that request'), h('p', {}, `${key ?? 'This page'} doesn’t exist or you don’t have access.`)));
}

// A request raised on this portal is not in the world file: the portal's backend asks the Access API.
async function raisedTicket(key) {
  const res = await fetch(withAs(`/demo-api/tickets/${encodeURIComponent(key)}`));
  if (!res.ok) return undefined;
  const t = await res.json();
  const person = (id) => world.users.find((u) => u.id === id)?.name ?? id;
  return {
    key: t.key, title: t.title, status: t.status, productKey: t.product, productName: t.productName,
    siteUrl: t.siteUrl, siteHost: new URL(t.siteUrl).host, reporterName: person(t.reporter),
    engineerName: 'Atlassian Support', dataAccessRequested: false, description: t.description ?? '',
  };
}

// Route after `delay` ms, as if fetching; a later navigation supersedes an earlier pending one.
function route(delay) {
  const token = ++renderToken;
  setTimeout(async () => {
    if (token !== renderToken) return;
    if (createPath.test(location.pathname)) return renderCreate({ me: currentUser(), world, navigate, approvals });
    const match = ticketPath.exec(location.pathname);
    if (!match) return renderRequests();
    const ticket = world.tickets.find((t) => t.key === match[2]) ?? await raisedTicket(match[2]).catch(() => undefined);
    if (token !== renderToken) return;
    if (ticket) render(ticket);
    else renderNotFound(match[2]);
  }, delay);
}

function navigate(href) {
  history.pushState({}, '', href);
  route(NAVIGATION_DELAY_MS);
}

const currentUser = () => world.users.find((u) => u.id === as) ?? world.reporter;

async function start() {
  world = await loadWorld();
  const me = currentUser();
  document.getElementById('account').replaceChildren(
    h('span', { class: 'avatar', title: me.name, 'aria-hidden': 'true' }, initials(me.name)),
    h('span', { class: 'account-name' }, me.name),
    h('span', { class: 'account-email' }, me.email));
  addEventListener('popstate', () => route(NAVIGATION_DELAY_MS));
  route(FIRST_RENDER_DELAY_MS);
}

start();
