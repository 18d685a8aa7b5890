// Handlers for signing in and out, the session's status and the person's preferences (options page
// and popup). Only our own extension pages may call them (registerHandlers checks every sender).
import { registerHandlers } from '../shared-ext/messages';
import { loadPrefs, savePrefs } from './prefs';
import { providerOf, signIn, signInWithProvider, signOut, status } from './sign-in';

export function registerAccountHandlers(): void {
  registerHandlers({
    signIn: (req) => signIn(req.apiBaseUrl, req.token),
    signInWithProvider: (req) => signInWithProvider(req.apiBaseUrl, Boolean(req.switchAccount)),
    getIdentityProvider: async (req) => {
      const config = await providerOf(req.apiBaseUrl);
      return config ? { issuer: config.issuer, organization: config.organization?.name } : null;
    },
    signOut: async () => {
      await signOut();
      return { ok: true };
    },
    getStatus: () => status(),
    getPrefs: () => loadPrefs(),
    setPrefs: (req) => savePrefs(req.prefs),
  });
}
