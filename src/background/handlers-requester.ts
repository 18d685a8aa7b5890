// Handlers behind the request-access frame on a product's "You don't have access" page. Only our own
// extension pages may call them (registerHandlers checks every sender); the frame gets the API's
// answers, and a request goes through the same click check as every other action.
import { registerHandlers } from '../shared-ext/messages';
import { requestAction } from './actions';
import type { AccessRequestFor } from '../shared-ext/pending-action';
import { accessClient } from './api';
import { displayText } from '../shared-ext/format';

const bad = (detail: string) => Object.assign(new Error(detail), { problem: { title: 'Bad request', detail, status: 400 } });

/** A short non-empty string from a message, or a 400-style problem naming the field. */
function field(value: unknown, name: string, max = 320): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) throw bad(`${name} is missing or too long.`);
  return value.trim();
}

/** `for` as the API takes it: a user id or an email; anything else is refused here. */
function target(value: unknown): { for?: AccessRequestFor } {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object') throw bad('for must name a user or an email.');
  const v = value as Record<string, unknown>;
  if ('userId' in v) return { for: { userId: field(v.userId, 'for.userId', 200) } };
  if ('email' in v) return { for: { email: field(v.email, 'for.email') } };
  throw bad('for must name a user or an email.');
}

/** The request frame's answer, with the names others typed as displayText shows them (my requests in it are shown through MyRequest, which does the same). */
export async function requestContext(site: string, product: string) {
  const { client } = await accessClient();
  const context = await client.accessRequestContext(site, product);
  return {
    ...context,
    product: { ...context.product, name: displayText(context.product.name) },
    me: { ...context.me, name: displayText(context.me.name) },
    reviewers: context.reviewers.map((p) => ({ ...p, name: displayText(p.name) })),
    siteUsers: context.siteUsers.map((u) => ({ ...u, name: displayText(u.name), email: displayText(u.email) })),
    fetchedAt: Date.now(),
  };
}

export function registerRequesterHandlers(): void {
  registerHandlers({
    getRequestContext: async (req) => requestContext(field(req.site, 'site', 300), field(req.product, 'product', 200)),
    requestProductAccess: async (req, sender) => {
      const intent = {
        kind: 'access_request_create' as const,
        site: field(req.site, 'site', 300),
        product: field(req.product, 'product', 200),
        ...target(req.for),
        idempotencyKey: req.idempotencyKey,
      };
      return requestAction(intent, req.click, sender);
    },
  });
}
