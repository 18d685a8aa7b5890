// Handlers for signing in and out, the session's status and the person's preferences (options page
// and popup). Only our own extension pages may call them (registerHandlers checks every sender).
import { registerHandlers } from '../shared-ext/messages';
import { loadPrefs, savePrefs } from './prefs';
import { signIn, signOut, status } from './sign-in';

export function registerAccountHandlers(): void {
  registerHandlers({
    signIn: (req) => signIn(req.apiBaseUrl, req.token),
    signOut: async () => {
      await signOut();
      return { ok: true };
    },
    getStatus: () => status(),
    getPrefs: () => loadPrefs(),
    setPrefs: (req) => savePrefs(req.prefs),
  });
}
