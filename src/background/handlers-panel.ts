// Message handlers for the ticket panel: the ticket's view, and grant, revoke and ask from it. Only
// our own extension pages may call them (registerHandlers checks every sender).
import { registerHandlers } from '../shared-ext/messages';
import { askAdmin, requestAction } from './actions';
import { ticketView } from './ticket-views';
import { notePortalPage } from './portal-link';

export function registerPanelHandlers(): void {
  registerHandlers({
    getTicketView: (req, sender) => {
      // The panel's tab is a ticket page: the console links tickets to that portal.
      void notePortalPage(sender.tab?.url).catch(() => undefined);
      return ticketView(req.key, Boolean(req.fresh));
    },
    grantAccess: (req, sender) => requestAction({ kind: 'grant', ticket: req.key, idempotencyKey: req.idempotencyKey }, req.click, sender),
    revokeTicketGrant: (req, sender) => requestAction({ kind: 'revoke', ticket: req.key, grantId: req.grantId, idempotencyKey: req.idempotencyKey }, req.click, sender),
    grantAiConversations: (req, sender) => requestAction({ kind: 'ai_grant', ticket: req.key, conversations: req.conversations, idempotencyKey: req.idempotencyKey }, req.click, sender),
    decideChangeRequest: (req, sender) =>
      requestAction(
        { kind: 'change_request_decision', ticket: req.key, changeRequestId: req.id, decision: req.decision, message: req.message, guard: req.guard === true, idempotencyKey: req.idempotencyKey },
        req.click,
        sender,
      ),
    askAdmin: async (req) => {
      await askAdmin(req.key, req.adminId, req.idempotencyKey);
      return { ok: true };
    },
  });
}
