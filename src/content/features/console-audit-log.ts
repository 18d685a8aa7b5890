// Security → Audit log: one click to Support's actions, optionally within a ticket's grant window.
// Our frame shows the filtered view from the Access API; when the admin picks a filter there, we
// also type "Support" into the vendor's own search field so the page's table agrees.
import type { Feature } from '../feature-manager';
import { isAuditLog } from '../matchers';
import { isTicketKey } from '../../core/limits';
import { findAuditSearchField } from '../adapters/admin-console';
import { runConsoleFrame } from './console-frame';

const FILTER_MESSAGE = 'access-companion:audit-filter';

export const consoleAuditLog: Feature = {
  id: 'console-audit-log',
  include: [isAuditLog],
  init(signal) {
    const query = new URL(location.href).searchParams;
    const extra: Record<string, string> = {};
    const ticket = query.get('ticket');
    if (ticket && isTicketKey(ticket)) extra.ticket = ticket;
    return runConsoleFrame('audit-log', signal, extra, ({ frame, signal: mounted }) => {
      addEventListener(
        'message',
        (event: MessageEvent<unknown>) => {
          if (event.source !== frame.contentWindow) return;
          const data = event.data as { type?: unknown; supportOnly?: unknown } | null;
          if (data?.type !== FILTER_MESSAGE || typeof data.supportOnly !== 'boolean') return;
          const field = findAuditSearchField(document);
          if (!field) return;
          field.value = data.supportOnly ? 'Atlassian Support' : '';
          field.dispatchEvent(new Event('input', { bubbles: true }));
        },
        { signal: mounted },
      );
    });
  },
};
