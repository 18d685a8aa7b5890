// What the popup says a parked action will do, in the admin's words, from the API's own records
// (not from the page that asked): "Grant Support access to PS-101 (Confluence on acme.atlassian.net)".
import type { ActionIntent as Intent } from '../shared-ext/pending-action';
import { accessClient } from './api';
import { readDecision } from './db';
import { API_KEY_SCOPE_LABELS } from '../api/vocabulary';
import { durationWords, when } from '../shared-ext/format';
import type { RoleName } from '../core/index';
import { roleReachWords, roleTitle } from '../shared-ext/role-words';

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

/** How long an approved consent lasts, in words: ", once within 2 hours", ", until Dec 7, 2026, 5:00 PM". */
export function consentWindow(c: { once: boolean; duration?: string; until?: string }): string {
  const window = c.duration ? `${c.once ? 'within' : 'for'} ${durationWords(c.duration)}` : `${c.once ? 'before' : 'until'} ${when(c.until)}`;
  return `, ${c.once ? 'once ' : ''}${window}`;
}

export async function describeAction(intent: Intent): Promise<string> {
  switch (intent.kind) {
    case 'grant':
      return `Grant Support access to ${intent.ticket}${await where(intent.ticket)}`;
    case 'ai_grant':
      return `Let Support read AI conversations ${await conversationNames(intent.ticket ?? '', intent.conversations ?? [])} on ${intent.ticket}`;
    case 'bulk_grant':
      return `Grant Support access to ${intent.tickets.join(', ')}`;
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
        const c = await (await accessClient()).client.changeRequest(intent.changeRequestId);
        return `${verb} Support's change on ${c.ticket}: ${c.summary}${await where(c.ticket)}${intent.decision === 'approve' ? consentWindow(c) : ''}`;
      } catch {
        return `${verb} a change Support asked for on ${intent.ticket}`;
      }
    }
    case 'bulk_access_request_decision': {
      const n = intent.requestIds.length;
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
    case 'role_assign':
    case 'role_remove':
      return describeRoleChange(intent);
    case 'access_request_create': {
      let what = `${intent.product} on ${intent.site}`;
      const target = intent.for;
      let whom = !target ? 'yourself' : 'email' in target ? target.email : target.userId;
      try {
        const c = await (await accessClient()).client.accessRequestContext(intent.site, intent.product);
        what = `${c.product.name} on ${hostOf(c.site.url)}`;
        if (target && 'userId' in target) whom = c.siteUsers.find((u) => u.userId === target.userId)?.name ?? target.userId;
      } catch {
        /* described with the ids below */
      }
      return `Request access to ${what} for ${whom}`;
    }
  }
}

/**
 * "Give Bob Okafor the Product admin role of Confluence on acme.atlassian.net" / "Remove …": people,
 * groups, products and sites by name from the API's records, never from the page that asked.
 */
async function describeRoleChange(intent: Intent): Promise<string> {
  try {
    const { client } = await accessClient();
    const removing = intent.kind === 'role_remove' ? intent.roleAssignmentId : undefined;
    const place = intent.kind === 'role_assign' ? intent.roleAssignment : (await client.roleAssignments()).assignments.find((a) => a.id === removing);
    if (!place) return `Remove the role assignment ${removing}`;
    const [{ sites }, found] = await Promise.all([client.directorySites(), client.directoryLookup(place.user ?? place.group ?? '')]);
    const holder = place.user ? (found.people.find((p) => p.id === place.user)?.name ?? place.user) : `the group “${found.groups.find((g) => g.id === place.group)?.name ?? place.group}”`;
    const site = (id: string) => hostOf(sites.find((x) => x.id === id)?.url ?? id);
    const product = (key: string) => sites.find((x) => x.id === place.site)?.products.find((p) => p.key === key)?.name ?? key;
    const role = place.role as RoleName;
    const words = `${roleTitle(role)} role ${roleReachWords({ ...place, role }, product, site)}`;
    return intent.kind === 'role_assign' ? `Give ${holder} the ${words}` : `Remove ${holder}'s ${words}`;
  } catch {
    return intent.kind === 'role_assign' ? `Assign the role ${intent.roleAssignment.role}` : `Remove the role assignment ${intent.kind === 'role_remove' ? intent.roleAssignmentId : ''}`;
  }
}

/** The conversations by title and owner where the ticket's record knows them (“Title” (Owner)), else by id. */
async function conversationNames(ticket: string, ids: string[]): Promise<string> {
  try {
    const known = new Map(((await (await accessClient()).client.ticket(ticket)).aiConversations ?? []).map((c) => [c.id, c]));
    return ids
      .map((id) => {
        const c = known.get(id);
        const owner = c?.ownerName ?? c?.owner;
        return c?.title ? `“${c.title}”${owner ? ` (${owner})` : ''}` : id;
      })
      .join(', ');
  } catch {
    return ids.join(', ');
  }
}
