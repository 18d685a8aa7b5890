// Our imitation of a vendor's customer portal: a single-page app. It renders late (as if waiting on
// its own API) and moves between requests with history.pushState, never reloading the page.
import { h, loadWorld, initials } from '/assets/shared/dom.js';

const FIRST_RENDER_DELAY_MS = 600;
const NAVIGATION_DELAY_MS = 250;
const ticketPath = /^\/servicedesk\/customer\/portal\/(\d+)\/([A-Z][A-Z0-9]+-\d+)\/?$/;
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

const ticketHref = (key) => `/servicedesk/customer/portal/1/${key}`;

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
    h('h1', {}, 'Requests'),
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

// Route after `delay` ms, as if fetching; a later navigation supersedes an earlier pending one.
function route(delay) {
  const token = ++renderToken;
  setTimeout(() => {
    if (token !== renderToken) return;
    const match = ticketPath.exec(location.pathname);
    if (!match) return renderRequests();
    const ticket = world.tickets.find((t) => t.key === match[2]);
    if (ticket) render(ticket);
    else renderNotFound(match[2]);
  }, delay);
}

async function start() {
  world = await loadWorld();
  const me = world.reporter;
  document.getElementById('account').replaceChildren(
    h('span', { class: 'avatar', title: me.name, 'aria-hidden': 'true' }, initials(me.name)),
    h('span', { class: 'account-name' }, me.name));
  addEventListener('popstate', () => route(NAVIGATION_DELAY_MS));
  route(FIRST_RENDER_DELAY_MS);
}

start();
