// Message handlers for the ticket panel, the popup's pending-action confirmation, sign-in and
// preferences. Only our own extension pages may call them (registerHandlers checks every sender).
import { registerHandlers } from '../shared-ext/messages';
import { askAdmin, confirmPendingAction, dismissPendingAction, pendingAction, requestAction } from './actions';
import { loadPrefs, savePrefs } from './prefs';
import { signIn, signOut, status } from './sign-in';
import { ticketView } from './ticket-views';

export function registerPanelHandlers(): void {
  registerHandlers({
    getTicketView: (req) => ticketView(req.key, Boolean(req.fresh)),
    grantAccess: (req, sender) => requestAction({ kind: 'grant', ticket: req.key, idempotencyKey: req.idempotencyKey }, req.click, sender),
    revokeTicketGrant: (req, sender) => requestAction({ kind: 'revoke', ticket: req.key, grantId: req.grantId, idempotencyKey: req.idempotencyKey }, req.click, sender),
    grantAiConversations: (req, sender) => requestAction({ kind: 'ai_grant', ticket: req.key, conversations: req.conversations, idempotencyKey: req.idempotencyKey }, req.click, sender),
    askAdmin: async (req) => { await askAdmin(req.key, req.adminId, req.idempotencyKey); return { ok: true }; },
    getPendingAction: () => pendingAction(),
    confirmPendingAction: (req) => confirmPendingAction(req.id),
    dismissPendingAction: async (req) => { await dismissPendingAction(req.id); return { ok: true }; },
    signIn: (req) => signIn(req.apiBaseUrl, req.token),
    signOut: async () => { await signOut(); return { ok: true }; },
    getStatus: () => status(),
    getPrefs: () => loadPrefs(),
    setPrefs: (req) => savePrefs(req.prefs),
  });
}
