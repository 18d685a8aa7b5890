// Handler behind the consent frame on the portal's raise-a-request form: would ticking "allow
// Support to access my data" give Support access for this product and site? Only our own extension
// pages may call it (registerHandlers checks every sender); the API decides, the frame shows it.
import { registerHandlers } from '../shared-ext/messages';
import { accessClient } from './api';

const bad = (detail: string) => Object.assign(new Error(detail), { problem: { title: 'Bad request', detail, status: 400 } });

/** A short non-empty string from a message, or a 400-style problem naming the field. */
function field(value: unknown, name: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) throw bad(`${name} is missing or too long.`);
  return value.trim();
}

/** The API's eligibility for a ticket not yet created, with when it was fetched (ms). */
export async function newTicketEligibility(site: string, product: string) {
  const { client } = await accessClient();
  return { ...(await client.newTicketEligibility(site, product)), fetchedAt: Date.now() };
}

export function registerConsentHandlers(): void {
  registerHandlers({
    getNewTicketEligibility: async (req) => newTicketEligibility(field(req.site, 'site', 300), field(req.product, 'product', 200)),
  });
}
