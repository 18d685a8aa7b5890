// What the popup says a parked action will do, in the admin's words, from the API's own records
// (not from the page that asked): "Grant Support access to PS-101 (Confluence on acme.atlassian.net)".
import type { Intent } from './action-intent';
import { accessClient } from './api';
import { readDecision } from './db';
import { API_KEY_SCOPE_LABELS } from '../api/vocabulary';

const hostOf = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

async function where(ticket: string): Promise<string> {
  const view = (await readDecision(ticket))?.value;
  if (view?.ticket) return ` (${view.ticket.productName} on ${hostOf(view.ticket.siteUrl)})`;
  try {
    const t = await (await accessClient()).client.ticket(ticket);
    return ` (${t.productName} on ${hostOf(t.siteUrl)})`;
  } catch {
    return '';
  }
}

async function grantTicket(grantId: string | undefined): Promise<string | undefined> {
  try {
    return (await (await accessClient()).client.getGrant(grantId ?? '')).grant.ticket;
  } catch {
    return undefined;
  }
}

export async function describeAction(intent: Intent): Promise<string> {
  switch (intent.kind) {
    case 'grant':
      return `Grant Support access to ${intent.ticket}${await where(intent.ticket ?? '')}`;
    case 'ai_grant':
      return `Let Support read AI conversations ${intent.conversations?.join(', ')} on ${intent.ticket}`;
    case 'bulk_grant':
      return `Grant Support access to ${intent.tickets?.join(', ')}`;
    case 'revoke': {
      const ticket = intent.ticket ?? (await grantTicket(intent.grantId));
      return ticket ? `Revoke Support's access to ${ticket}${await where(ticket)}` : 'Revoke a Support grant';
    }
    case 'guard_decision': {
      const ticket = await grantTicket(intent.grantId);
      const verb = intent.decision === 'approve' ? 'Approve' : 'Deny';
      return `${verb}, as Guard admin, Support's access to ${ticket ?? 'a ticket'}${ticket ? await where(ticket) : ''}`;
    }
    case 'change_request_decision': {
      const verb = intent.guard ? (intent.decision === 'approve' ? 'Approve, as Guard admin,' : 'Deny, as Guard admin,') : intent.decision === 'approve' ? 'Consent to' : 'Decline';
      try {
        // What the change is comes from the API's record, never from the page that asked.
        const c = await (await accessClient()).client.changeRequest(intent.changeRequestId ?? '');
        return `${verb} Support's change on ${c.ticket}: ${c.summary}${await where(c.ticket)}${intent.decision === 'approve' ? (c.once ? ', once' : c.duration ? `, for ${c.duration}` : `, until ${c.until}`) : ''}`;
      } catch {
        return `${verb} a change Support asked for on ${intent.ticket ?? 'a ticket'}`;
      }
    }
    case 'bulk_access_request_decision': {
      const n = intent.requestIds?.length ?? 0;
      return `${intent.decision === 'approve' ? 'Approve' : 'Deny'} ${n} product access request${n === 1 ? '' : 's'}${intent.decision === 'deny' ? ' (denying a self-request from outside the site bars that person)' : ''}`;
    }
    case 'access_request_decision': {
      const verb = intent.decision === 'approve' ? 'Approve' : 'Deny';
      try {
        const { requests } = await (await accessClient()).client.accessRequests('pending');
        const r = requests.find((x) => x.id === intent.requestId);
        if (r) return `${verb} ${r.forUser?.name ?? r.forUser?.email ?? r.requester.name}'s request for ${r.productName}`;
      } catch {
        /* described without names below */
      }
      return `${verb} a product access request`;
    }
    case 'api_key_delete': {
      try {
        const { keys } = await (await accessClient()).client.apiKeys();
        const k = keys.find((x) => x.id === intent.apiKeyId);
        if (k) return `Delete the Access API key “${k.name}” (${k.scopes.map((sc) => API_KEY_SCOPE_LABELS[sc]).join('; ')}): whatever uses it is refused from its next request`;
      } catch {
        /* described by id below */
      }
      return `Delete the Access API key ${intent.apiKeyId}`;
    }
    case 'access_request_create': {
      let what = `${intent.product} on ${intent.site}`;
      let whom = intent.forEmail ?? intent.forUserId ?? 'yourself';
      try {
        const c = await (await accessClient()).client.accessRequestContext(intent.site ?? '', intent.product ?? '');
        what = `${c.product.name} on ${hostOf(c.site.url)}`;
        if (intent.forUserId) whom = c.siteUsers.find((u) => u.userId === intent.forUserId)?.name ?? intent.forUserId;
      } catch {
        /* described with the ids below */
      }
      return `Request access to ${what} for ${whom}`;
    }
  }
}
