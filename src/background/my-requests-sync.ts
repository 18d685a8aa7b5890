// The poll's part for people who ask for product access: my requests (made by me or for me), kept
// in the cache for the popup, and a notification when one of them is decided.
import type { AccessClient } from '../api/client';
import type { MyAccessRequestWire } from '../api/schemas';
import { getMeta, readCache, setMeta, writeCache } from './db';
import type { Notice } from './notifications';

const hostOf = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

/** What the person reads in the notification: the decision, who made it, and the reviewer's message. */
export function decisionNotice(r: MyAccessRequestWire): Notice {
  const approved = r.state === 'approved';
  const whom = r.self || r.role === 'subject' ? '' : ` for ${r.forUser.name ?? r.forUser.email}`;
  const by = r.decidedBy ? ` by ${r.decidedBy.name}` : '';
  const message = approved
    ? `${r.forUser.name && r.role === 'requester' && !r.self ? `${r.forUser.name} can` : 'You can'} open ${r.productName} now.`
    : `${r.message ? `"${r.message}"` : 'No message.'}${r.barred ? ` This denial bars you from asking again. ${r.barRule ?? ''}`.trimEnd() : ''}`;
  return { id: `request-decision:${r.id}`, kind: 'requestDecision', title: `${r.productName} on ${hostOf(r.siteUrl)}${whom}: ${approved ? 'approved' : 'denied'}${by}`, message, link: r.productUrl };
}

/**
 * Polls GET /v1/me/access-requests (304 while unchanged). A request seen pending before, or first
 * seen already decided after the list was first read, is announced once (notifyOnce keeps the id).
 */
export async function syncMyRequests(client: AccessClient, notices: Notice[]): Promise<void> {
  const previous = (await readCache<MyAccessRequestWire[]>('myRequests'))?.value;
  const { list, etag } = await client.myAccessRequests(previous ? await getMeta<string>('myRequestsEtag') : undefined);
  if (!list) {
    await writeCache('myRequests', previous ?? []); // 304: confirmed fresh
    return;
  }
  await writeCache('myRequests', list.requests);
  await setMeta('myRequestsEtag', etag ?? undefined);
  if (!previous) return; // first sight: the backlog of old decisions is not news
  const before = new Map(previous.map((r) => [r.id, r.state]));
  for (const r of list.requests) {
    if (r.state !== 'pending' && (before.get(r.id) ?? 'pending') === 'pending') notices.push(decisionNotice(r));
  }
}
