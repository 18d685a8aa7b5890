// One product access request as the person who asked (or who it is for) reads it: for whom, its
// state, who can decide it while pending, the decision with the reviewer's message, and the bar a
// denial put on an outsider. Shared by the request-access frame and the popup.
import type { MyAccessRequestWire } from '../api/schemas';
import { day, displayText, since } from './format';

const hostOf = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

/** The request with the names and words others typed as displayText shows them. */
function forDisplay(r: MyAccessRequestWire): MyAccessRequestWire {
  const shown = <P extends { name?: string }>(p: P): P => (p.name === undefined ? p : { ...p, name: displayText(p.name) });
  return {
    ...r,
    productName: displayText(r.productName),
    requestedBy: shown(r.requestedBy),
    forUser: { ...shown(r.forUser), email: displayText(r.forUser.email) },
    reviewers: r.reviewers.map(shown),
    ...(r.decidedBy ? { decidedBy: shown(r.decidedBy) } : {}),
    ...(r.message === undefined ? {} : { message: displayText(r.message) }),
  };
}

function forWhom(r: MyAccessRequestWire): string {
  if (r.self) return 'For you';
  if (r.role === 'subject') return `For you, asked by ${r.requestedBy.name}`;
  return `For ${r.forUser.name ? `${r.forUser.name} (${r.forUser.email})` : r.forUser.email}`;
}

/** `openHref`: where "Open <product>" leads (the page the person was on, when it is that product). */
export function MyRequest({ request, now, openHref, showPlace }: { request: MyAccessRequestWire; now: number; openHref?: string; showPlace?: boolean }) {
  const r = forDisplay(request);
  const mine = r.self || r.role === 'subject';
  return (
    <li class={`request ${r.state}`} data-request={r.id} data-state={r.state}>
      {showPlace && (
        <strong>
          {r.productName} · {hostOf(r.siteUrl)}
        </strong>
      )}
      <div class="who">
        {forWhom(r)} · asked {since(r.createdAt, now)}
      </div>
      {r.state === 'pending' && (
        <p class="state-line">
          <b class="lozenge pending">Pending</b>{' '}
          {r.reviewers.length ? <>Waiting on one of: {r.reviewers.map((p) => p.name).join(', ')} (org admins and this site's admins decide).</> : <>Waiting on an admin of the org or of this site.</>}
        </p>
      )}
      {r.state === 'approved' && (
        <p class="state-line">
          <b class="lozenge approved">Approved</b> {r.decidedBy ? `by ${r.decidedBy.name} on ${day(r.decidedAt)}. ` : ''}
          {mine ? (
            <a href={openHref ?? r.productUrl} target="_top" rel="noreferrer">
              Open {r.productName}
            </a>
          ) : (
            <>
              {r.forUser.name ?? r.forUser.email} can now use {r.productName}:{' '}
              <a href={r.productUrl} target="_blank" rel="noreferrer">
                Open {r.productName}
              </a>
            </>
          )}
        </p>
      )}
      {r.state === 'denied' && (
        <div class="state-line">
          <p>
            <b class="lozenge denied">Denied</b> {r.decidedBy ? `by ${r.decidedBy.name} on ${day(r.decidedAt)}` : ''}
            {r.message ? ':' : '. No message.'}
          </p>
          {r.message && (
            <blockquote class="message" aria-label="Reviewer's message">
              {r.message}
            </blockquote>
          )}
          {r.barred && (
            <p class="barred" role="note">
              This denial bars you from asking again (since {day(r.decidedAt)}). {r.barRule}
            </p>
          )}
        </div>
      )}
    </li>
  );
}
