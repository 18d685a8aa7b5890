// Which page are we on? Pure URL predicates, each with example URLs it must accept; a test checks
// every predicate against every other's examples (github-url-detection style).
import { isTicketKey, TICKET_KEY_SOURCE } from '../core/limits';

export interface PageMatcher {
  (url: URL): boolean;
  readonly examples: readonly string[];
}

function matcher(examples: string[], test: (url: URL) => boolean): PageMatcher {
  return Object.assign((url: URL) => test(url), { examples });
}

// Demo origins carry a port (any port); the vendor's own origins never do.
const isSupportOrigin = (url: URL) => (url.protocol === 'http:' && url.hostname === 'support.localhost') || (url.protocol === 'https:' && url.host === 'support.atlassian.com');
const isAdminOrigin = (url: URL) => (url.protocol === 'http:' && url.hostname === 'admin.localhost') || (url.protocol === 'https:' && url.host === 'admin.atlassian.com');

const TICKET_PATH = new RegExp(`^/servicedesk/customer/portal/\\d+/(${TICKET_KEY_SOURCE})/?$`);

/** The ticket key in a support-portal ticket URL, or undefined for any other page. */
export function ticketKeyFromUrl(url: URL): string | undefined {
  const key = isSupportOrigin(url) ? TICKET_PATH.exec(url.pathname)?.[1] : undefined;
  return key !== undefined && isTicketKey(key) ? key : undefined;
}

export const isSupportTicket = matcher(
  [
    'https://support.atlassian.com/servicedesk/customer/portal/1/PS-101',
    'https://support.atlassian.com/servicedesk/customer/portal/23/CA-98765/',
    'http://support.localhost:4401/servicedesk/customer/portal/1/PS-102?src=email',
    'http://support.localhost/servicedesk/customer/portal/1/PS-103#comment-7',
  ],
  (url) => ticketKeyFromUrl(url) !== undefined,
);

/** The portal's raise-a-request form: `/servicedesk/customer/portal/<portal>/create/<request type>`. */
export const isRequestForm = matcher(
  [
    'https://support.atlassian.com/servicedesk/customer/portal/1/create/1',
    'https://support.atlassian.com/servicedesk/customer/portal/23/create/456/',
    'http://support.localhost:4401/servicedesk/customer/portal/1/create/1?as=bob',
  ],
  (url) => isSupportOrigin(url) && /^\/servicedesk\/customer\/portal\/\d+\/create\/\d+\/?$/.test(url.pathname),
);

function adminPage(page: string, examples: string[]): PageMatcher {
  const path = new RegExp(`^/o/[^/]+/${page}/?$`);
  return matcher(examples, (url) => isAdminOrigin(url) && path.test(url.pathname));
}

export const isSupportAccessSettings = adminPage('settings/support-access', [
  'https://admin.atlassian.com/o/5f1c2d3e-aaaa-bbbb-cccc-1234567890ab/settings/support-access',
  'http://admin.localhost:4402/o/acme/settings/support-access',
]);

export const isAccessRequests = adminPage('access-requests', [
  'https://admin.atlassian.com/o/5f1c2d3e-aaaa-bbbb-cccc-1234567890ab/access-requests',
  'http://admin.localhost:4402/o/acme/access-requests/',
]);

export const isAuditLog = adminPage('security/audit-log', [
  'https://admin.atlassian.com/o/5f1c2d3e-aaaa-bbbb-cccc-1234567890ab/security/audit-log',
  'http://admin.localhost:4402/o/acme/security/audit-log?actor=support',
]);

export const isSupportAccessRequests = adminPage('security/support-access-requests', [
  'https://admin.atlassian.com/o/5f1c2d3e-aaaa-bbbb-cccc-1234567890ab/security/support-access-requests',
  'http://admin.localhost:4402/o/acme/security/support-access-requests',
]);

export const isApiKeys = adminPage('settings/api-keys', [
  'https://admin.atlassian.com/o/5f1c2d3e-aaaa-bbbb-cccc-1234567890ab/settings/api-keys',
  'http://admin.localhost:4402/o/acme/settings/api-keys',
]);

export const isRoles = adminPage('directory/roles', ['https://admin.atlassian.com/o/5f1c2d3e-aaaa-bbbb-cccc-1234567890ab/directory/roles', 'http://admin.localhost:4402/o/acme/directory/roles']);

// A customer's product site: https://<site>.atlassian.net, or http://<site>.localhost:<port> in the
// demo. The portal's and console's demo hosts are not product sites.
const PRODUCT_SITE_HOST = /^([a-z0-9][a-z0-9-]*)\.atlassian\.net$/;
const DEMO_SITE_HOST = /^([a-z0-9][a-z0-9-]*)\.localhost$/;
const PRODUCT_PATHS: readonly [RegExp, string][] = [
  [/^\/wiki(\/|$)/, 'confluence'],
  [/^\/jira(\/|$)/, 'jira'],
];

/** The site a product page belongs to, as the vendor writes it (`https://acme.atlassian.net`), or undefined. */
export function siteUrlOfProductPage(url: URL): string | undefined {
  if (url.protocol === 'https:' && url.port === '' && PRODUCT_SITE_HOST.test(url.hostname)) return url.origin;
  const demo = url.protocol === 'http:' ? DEMO_SITE_HOST.exec(url.hostname)?.[1] : undefined;
  return demo && demo !== 'support' && demo !== 'admin' ? `https://${demo}.atlassian.net` : undefined;
}

/** The product a product-site URL is about (`/wiki` → confluence, `/jira` → jira), or undefined. */
export function productOfPage(url: URL): string | undefined {
  if (!siteUrlOfProductPage(url)) return undefined;
  return PRODUCT_PATHS.find(([path]) => path.test(url.pathname))?.[1];
}

export const isProductPage = matcher(
  [
    'https://acme.atlassian.net/wiki',
    'https://acme.atlassian.net/wiki/spaces/ENG/overview',
    'https://acme-eu.atlassian.net/jira/your-work',
    'http://acme.localhost:4403/wiki?as=oscar',
    'http://acme.localhost/jira',
  ],
  (url) => productOfPage(url) !== undefined,
);

/** URLs no predicate may accept: look-alikes on the wrong origin, scheme or path. */
export const unmatchedExamples: readonly string[] = [
  'https://support.atlassian.com/servicedesk/customer/user/requests',
  'https://support.atlassian.com/servicedesk/customer/portal/1',
  'http://support.atlassian.com/servicedesk/customer/portal/1/PS-101',
  'https://support.atlassian.com.evil.test/servicedesk/customer/portal/1/PS-101',
  'https://evil.test/servicedesk/customer/portal/1/PS-101',
  'https://support.localhost/servicedesk/customer/portal/1/PS-101',
  'http://support.localhost:4401/servicedesk/customer/portal/1/ps-101',
  'https://admin.atlassian.com/o/acme/overview',
  'https://admin.atlassian.com/o/acme/settings/support-access/extra',
  'http://admin.localhost:4402/settings/support-access',
  'http://support.localhost:4401/o/acme/access-requests',
  'http://acme.atlassian.net/wiki',
  'https://acme.atlassian.net.evil.test/wiki',
  'https://acme.atlassian.net:8443/wiki',
  'https://acme.atlassian.net/wikipedia',
  'https://acme.atlassian.net/',
  'http://support.localhost:4401/wiki',
  'http://admin.localhost:4402/jira',
  'https://acme.localhost/wiki',
  'https://support.atlassian.com/servicedesk/customer/portal/1/create',
  'https://evil.test/servicedesk/customer/portal/1/create/1',
  'http://support.atlassian.com/servicedesk/customer/portal/1/create/1',
];

export const allMatchers = {
  isSupportTicket,
  isSupportAccessSettings,
  isAccessRequests,
  isAuditLog,
  isSupportAccessRequests,
  isApiKeys,
  isRoles,
  isProductPage,
  isRequestForm,
} satisfies Record<string, PageMatcher>;
