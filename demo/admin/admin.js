// Our imitation of a vendor's admin console: server-routed pages sharing one shell.
// Later issues inject Access Companion controls into these pages; here they are plain shells.
import { h, loadWorld, initials } from '/assets/shared/dom.js';

const pagePath = /^\/o\/([^/]+)\/(.+?)\/?$/;

const NAV = [
  { heading: null, items: [['Overview', 'overview'], ['Directory', 'users'], ['Roles', 'directory/roles'], ['Products', 'products']] },
  { heading: 'Security', items: [['Authentication policies', 'security/authentication-policies'], ['Audit log', 'security/audit-log'], ['Support access requests', 'security/support-access-requests'], ['Data security policies', 'security/data-security-policies']] },
  { heading: 'Settings', items: [['Support access', 'settings/support-access'], ['API keys', 'settings/api-keys'], ['Domains', 'settings/domains'], ['Emails', 'settings/emails']] },
  { heading: null, items: [['Access requests', 'access-requests'], ['Billing', 'billing']] },
];

const PAGES = {
  'settings/support-access': (world) => [
    h('h1', {}, 'Support access'),
    h('p', { class: 'lead' }, 'When you raise a request with Atlassian Support, Support may ask to access your site data. Approve or revoke that access here.'),
    h('h2', {}, 'Outstanding requests'),
    table(['Request', 'Summary', 'Product', 'Site', ''], world.tickets.filter((t) => t.dataAccessRequested).map((t) => [
      h('a', { href: `${world.supportOrigin}/servicedesk/customer/portal/1/${t.key}` }, t.key), t.title, t.productName, t.siteHost,
      h('button', { type: 'button', class: 'button primary' }, 'Approve data access'),
    ])),
  ],
  'access-requests': (world) => [
    h('h1', {}, 'Access requests'),
    h('p', { class: 'lead' }, 'Review requests from users who want access to a product on one of your sites.'),
    // The vendor's own list is not simulated: an empty list here would contradict the requests
    // Access Companion shows above, which come from the Access API.
    h('p', { class: 'empty' }, `Demo page: the vendor's own list of ${world.org.name}'s requests is not simulated; Access Companion's review above reads them from the Access API.`),
  ],
  'security/audit-log': (world) => [
    h('h1', {}, 'Audit log'),
    h('p', { class: 'lead' }, `Activity across ${world.org.name}: who did what, and when.`),
    h('div', { class: 'filters', role: 'search' },
      h('label', {}, 'Search activities ', h('input', { type: 'search', placeholder: 'Actor, activity or location' })),
      h('label', {}, 'Date ', h('select', {}, h('option', {}, 'Last 30 days'), h('option', {}, 'Last 7 days')))),
    table(['Date', 'Location', 'Actor', 'Activity'], []),
  ],
  'settings/api-keys': (world) => [
    h('h1', {}, 'API keys'),
    h('p', { class: 'lead' }, `Keys that let ${world.org.name}'s scripts and tools call APIs without a person signing in.`),
    // The vendor's own organization API keys are not simulated; the Access API's keys appear above.
    h('p', { class: 'empty' }, "Demo page: the vendor's own organization API keys are not simulated; Access Companion's keys above are the Access API's."),
  ],
  'directory/roles': (world) => [
    h('h1', {}, 'Roles'),
    h('p', { class: 'lead' }, `Who administers ${world.org.name}'s sites and products, and through which group.`),
    // The vendor's own role list is not simulated; Access Companion's view above reads the Access API's directory.
    h('p', { class: 'empty' }, "Demo page: the vendor's own role list is not simulated; Access Companion's view above reads who can grant from the Access API."),
  ],
  'security/support-access-requests': (world) => [
    h('h1', {}, 'Support access requests'),
    h('p', { class: 'lead' }, `Grants of support data access on sites restricted by Guard wait here for a Guard admin of ${world.org.name}.`),
    table(['Request', 'Site', 'Granted by', 'Requested', ''], []),
  ],
};

function table(columns, rows) {
  return h('table', {},
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c))))));
}

async function start() {
  const world = await loadWorld();
  const match = pagePath.exec(location.pathname);
  const org = match?.[1] ?? world.org.id;
  const page = match?.[2] ?? 'overview';
  document.getElementById('account').replaceChildren(
    h('span', { class: 'org' }, world.org.name),
    h('span', { class: 'avatar', title: world.admin.name, 'aria-hidden': 'true' }, initials(world.admin.name)));
  document.getElementById('sidenav').replaceChildren(...NAV.map((group) => h('div', { class: 'navgroup' },
    group.heading && h('h2', {}, group.heading),
    h('ul', { class: 'plain' }, group.items.map(([label, path]) => h('li', {},
      h('a', { href: `/o/${org}/${path}`, 'aria-current': path === page ? 'page' : false }, label)))))));
  const build = PAGES[page];
  document.getElementById('main').replaceChildren(...(build ? build(world) : [h('h1', {}, 'Coming soon'), h('p', { class: 'lead' }, 'This page is not part of the demo.')]));
  const title = document.querySelector('main h1')?.textContent ?? 'Administration';
  document.title = `${title} - Atlassian Administration`;
}

start();
