// The frame our content script places on admin console pages. The page name and org id come from
// the frame URL's hash (page-derived, untrusted: they only pick which view to show).
import { render } from 'preact';
import { isTicketKey } from '../api/vocabulary';
import { SupportAccess } from './support-access';
import { AccessRequests } from './access-requests';
import { AuditLog } from './audit-log';
import { GuardApprovals } from './guard-approvals';
import { ApiKeys } from './api-keys';
import { Roles } from './roles';

const params = new URLSearchParams(location.hash.replace(/^#/, ''));
const page = params.get('page');
const ticket = params.get('ticket');

const TITLES: Record<string, string> = {
  'support-access': 'Access Companion · Support access',
  'access-requests': 'Access Companion · Product access',
  'audit-log': 'Access Companion · Audit log',
  'guard-approvals': 'Access Companion · Guard approvals',
  'api-keys': 'Access Companion · Access API keys',
  roles: 'Access Companion · Who can grant',
};

function Frame() {
  return (
    <section class="frame" aria-label="Access Companion">
      <header>
        <img src="/icons/icon-32.png" alt="" width={16} height={16} />
        <h1>{TITLES[page ?? ''] ?? 'Access Companion'}</h1>
      </header>
      {page === 'support-access' ? (
        <SupportAccess />
      ) : page === 'access-requests' ? (
        <AccessRequests />
      ) : page === 'audit-log' ? (
        <AuditLog initialTicket={ticket && isTicketKey(ticket) ? ticket : undefined} />
      ) : page === 'guard-approvals' ? (
        <GuardApprovals />
      ) : page === 'api-keys' ? (
        <ApiKeys />
      ) : page === 'roles' ? (
        <Roles />
      ) : (
        <p class="note">Nothing to show on this page.</p>
      )}
    </section>
  );
}

render(<Frame />, document.getElementById('app')!);

// Tell the content script how tall to make this frame; a height is all that leaves the frame.
new ResizeObserver(() => {
  // The body's own box, not the document's scrollHeight, which never drops below the frame's height.
  parent.postMessage({ type: 'access-companion:height', height: document.body.getBoundingClientRect().height }, '*');
}).observe(document.body);
