// The demo org's OpenID Provider: oidc-provider (the OpenID-certified npm package) loaded with the
// world file's people, each signing in with their email and the password "demo". `npm start` runs
// it on port 4404; the tests start it on port 0. Run alone: `npx tsx scripts/demo-idp.ts [--port N] [--fixture FILE]`.
// Its one client is the extension (`access-companion`): public, PKCE, with the demo build's and
// the Firefox add-on's redirect URIs, and refresh tokens while the provider's session lasts.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { DEMO_CHROME_REDIRECT_URI, DEMO_EXTENSION_ID, FIREFOX_REDIRECT_URI } from '../src/api/extension-ids';
import { normalizeEmail } from '../src/core/email';
import { DEMO_WORLD } from './demo-pages';

export const DEMO_PASSWORD = 'demo';
export const DEMO_CLIENT_ID = 'access-companion';

interface Person {
  id: string;
  name: string;
  email: string;
  emailVerified: boolean;
}

export interface DemoIdpOptions {
  /** 0: any free port. */
  port?: number;
  /** The world file whose `users` may sign in (default fixtures/demo-world.json). */
  worldFile?: string;
  /** People as given, instead of a world file's. */
  people?: Person[];
  /** The organisation's name on the login page (default: the world file's). */
  organization?: string;
  /** Lifetime of access and ID tokens (seconds, default 600). */
  accessTokenTtl?: number;
  /** Redirect URIs of the extension client (default: the demo Chrome build's and the Firefox add-on's). */
  redirectUris?: string[];
}

export interface DemoIdp {
  issuer: string;
  port: number;
  provider: Provider;
  close(): Promise<void>;
}

/** Starts the provider on `localhost:<port>`; its issuer is `http://localhost:<port>`. */
export async function startDemoIdp(opts: DemoIdpOptions = {}): Promise<DemoIdp> {
  const world = opts.people ? undefined : (JSON.parse(readFileSync(opts.worldFile ?? DEMO_WORLD, 'utf8')) as { organization: { name: string }; users: Person[] });
  const people = opts.people ?? world!.users;
  const orgName = opts.organization ?? world?.organization.name ?? 'your organisation';
  const byEmail = new Map(people.map((p) => [normalizeEmail(p.email), p]));
  const byId = new Map(people.map((p) => [p.id, p]));

  // The issuer needs the port, so the socket listens first and the provider is attached after.
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => server.listen(opts.port ?? 4404, 'localhost', resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://localhost:${port}`;

  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ttl = opts.accessTokenTtl ?? 600;
  const redirectUris = opts.redirectUris ?? [DEMO_CHROME_REDIRECT_URI, FIREFOX_REDIRECT_URI];
  const configuration: Configuration = {
    clients: [
      {
        client_id: DEMO_CLIENT_ID,
        token_endpoint_auth_method: 'none',
        redirect_uris: redirectUris,
        post_logout_redirect_uris: redirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [{ ...signingKey, kid: `demo-${randomBytes(4).toString('hex')}`, alg: 'RS256', use: 'sig' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // Put the email in the ID token itself (the Access API matches people by it), as most providers do.
    conformIdTokenClaims: false,
    findAccount: (_ctx, id) => {
      const p = byId.get(id);
      return p ? { accountId: p.id, claims: () => ({ sub: p.id, email: p.email, email_verified: p.emailVerified, name: p.name }) } : undefined;
    },
    // A refresh token for the extension whatever the prompt, bound to the provider's session (it
    // stops working when the person signs out at the provider or the session ends).
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // The extension calls the token and revocation endpoints from its own origin: Chrome's is fixed
    // by the pinned key; Firefox's (moz-extension://<uuid>) differs per installation.
    clientBasedCORS: (_ctx, origin) => origin === `chrome-extension://${DEMO_EXTENSION_ID}` || /^moz-extension:\/\/[0-9a-f-]{36}$/.test(origin),
    ttl: { AccessToken: ttl, IdToken: ttl, AuthorizationCode: 60, Interaction: 3600, Session: 86_400, Grant: 86_400, RefreshToken: 86_400 },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource: autoSubmitLogout },
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Sign-in error', `<h1>Sign-in error</h1><p>${esc(String(out.error))}: ${esc(String(out.error_description ?? ''))}</p>`);
    },
  };
  const provider = new Provider(issuer, configuration);
  const oidc = provider.callback();

  handle = (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const m = /^\/interaction\/([\w-]{1,100})(\/login)?$/.exec(url.pathname);
    if (!m) return void oidc(req, res);
    interaction(provider, req, res, m[2] === '/login', byEmail, orgName).catch(() => {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end(page('Sign-in error', '<h1>This sign-in has expired</h1><p>Start again from the extension.</p>'));
    });
  };

  return {
    issuer,
    port,
    provider,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Our login page (GET), its form (POST …/login), and consent for the first-party client without asking. */
async function interaction(provider: Provider, req: IncomingMessage, res: ServerResponse, submitted: boolean, byEmail: Map<string, Person>, orgName: string): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'consent') {
    // The extension is the org's own client: consent is given by the org, not asked of each person.
    const { params, session } = details;
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: session!.accountId, clientId: String(params.client_id) });
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (missing.missingOIDCScope) grant!.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant!.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant!.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  if (!submitted || req.method !== 'POST') return sendLogin(res, orgName, details.uid, String(details.params.login_hint ?? ''));
  const form = new URLSearchParams(await readBody(req));
  const email = form.get('email') ?? '';
  const person = byEmail.get(normalizeEmail(email));
  if (!person || form.get('password') !== DEMO_PASSWORD) return sendLogin(res, orgName, details.uid, email, 'That email and password do not match a person of this organisation.');
  return provider.interactionFinished(req, res, { login: { accountId: person.id } }, { mergeWithLastSubmission: false });
}

function sendLogin(res: ServerResponse, orgName: string, uid: string, email: string, error?: string): void {
  const body = `<main>
  <h1>Sign in to ${esc(orgName)}</h1>
  <p class="hint">Demo identity provider: sign in with your email and the password <strong>demo</strong>.</p>
  ${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
  <form method="post" action="/interaction/${esc(uid)}/login">
    <label for="email">Email</label>
    <input id="email" name="email" type="email" autocomplete="username" required autofocus value="${esc(email)}">
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <button type="submit">Sign in</button>
  </form>
</main>`;
  res.writeHead(error ? 401 : 200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  });
  res.end(page('Sign in', body));
}

/** RP-initiated logout without a second question: the extension's sign-out already was the person's choice. */
function autoSubmitLogout(ctx: KoaContextWithOIDC, form: string): void {
  ctx.type = 'html';
  ctx.body = page(
    'Signing out',
    `<h1>Signing out…</h1>${form.replace('</form>', '<input type="hidden" name="logout" value="yes"><noscript><button type="submit">Sign out</button></noscript></form>')}<script>document.forms[0].submit()</script>`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(title)}</title><style>
body{font:15px/1.5 system-ui,sans-serif;background:#f4f5f7;color:#172b4d;margin:0}
main{max-width:360px;margin:64px auto;background:#fff;padding:28px 32px;border-radius:8px;box-shadow:0 1px 3px #0003}
h1{font-size:20px;margin:0 0 8px}.hint{color:#44546f;font-size:13px}
label{display:block;margin:14px 0 4px;font-weight:600}input{width:100%;box-sizing:border-box;padding:8px;border:1px solid #8590a2;border-radius:4px;font:inherit}
input:focus,button:focus{outline:2px solid #0c66e4;outline-offset:2px}
button{margin-top:18px;width:100%;padding:9px;border:0;border-radius:4px;background:#0c66e4;color:#fff;font:inherit;font-weight:600;cursor:pointer}
.error{color:#ae2e24;background:#ffeceb;padding:8px;border-radius:4px}</style></head><body>${body}</body></html>`;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

async function readBody(req: IncomingMessage): Promise<string> {
  let out = '';
  for await (const chunk of req) {
    out += chunk;
    if (out.length > 8192) throw new Error('form too large');
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '4404' }, fixture: { type: 'string' } } });
  const idp = await startDemoIdp({ port: Number(values.port), worldFile: values.fixture });
  console.log(`Demo identity provider at ${idp.issuer} (client ${DEMO_CLIENT_ID}); sign in with a demo person's email and the password "${DEMO_PASSWORD}".`);
  const stop = () => void idp.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
