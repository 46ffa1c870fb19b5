// A real OpenID Connect provider (the oidc-provider package, certified) on loopback for the single sign-on tests,
// and a browser-like HTTP client that goes through the redirects and the provider's own login and consent forms.
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import Provider from 'oidc-provider';
import { freePort } from './server.ts';

export interface ProviderAccount {
  email: string;
  emailVerified: boolean;
  name: string;
  groups: string[];
}

/**
 * How the provider's token response is altered before it leaves, to stand for a provider that is wrong or an
 * attacker in between: the ID token is re-signed with the provider's own key, so only the changed claims are wrong.
 */
export type IdTokenTamper = (claims: JWTPayload) => JWTPayload;

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, ProviderAccount>;
  /** Set to alter the next token responses' ID tokens; null sends them as issued. */
  tamper: IdTokenTamper | null;
  close(): Promise<void>;
}

/** The issuer URL a provider on `port` will have (a server's config can name it before the provider starts). */
export const issuerOn = (port: number) => `http://localhost:${port}`;

export async function startOidcProvider(redirectUris: string[], port?: number): Promise<TestOidcProvider> {
  // localhost, while the Consulta test server is on 127.0.0.1: two sites, as in a real deployment, so their
  // cookies stay apart (in the client below, and in a browser).
  port ??= await freePort('127.0.0.1');
  const issuer = issuerOn(port);
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const accounts = new Map<string, ProviderAccount>();
  const clientId = 'consulta';
  const clientSecret = 'a-client-secret-of-the-test-provider';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: ['test-provider-cookie-key-0123456789'] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    // The provider's development login form takes any login name; findAccount says who that is.
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            email: account.email,
            email_verified: account.emailVerified,
            name: account.name,
            groups: account.groups,
          };
        },
      };
    },
  });
  const state: TestOidcProvider = {
    issuer,
    clientId,
    clientSecret,
    accounts,
    tamper: null,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { id_token?: string } | undefined;
    if (ctx.path !== '/token' || !state.tamper || !body?.id_token) return;
    const payload = JSON.parse(
      Buffer.from(body.id_token.split('.')[1]!, 'base64url').toString(),
    ) as JWTPayload;
    body.id_token = await new SignJWT(state.tamper(payload))
      .setProtectedHeader({ alg: 'RS256', kid: jwk.kid, typ: 'JWT' })
      .sign(privateKey);
  });
  const server: Server = createServer(provider.callback());
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return state;
}

/**
 * One browser, as far as the redirect dance needs: cookies kept per host, redirects followed by hand (so a test can
 * stop at the callback and look at it), HTML forms of the provider submitted with their hidden fields.
 */
export class RedirectBrowser {
  private readonly jars = new Map<string, Map<string, string>>();

  cookieHeader(url: string): string {
    const jar = this.jars.get(new URL(url).host);
    return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }

  /** One request; cookies stored, no redirect followed. */
  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}) {
    const cookie = this.cookieHeader(url);
    const res = await fetch(url, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      redirect: 'manual',
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: init.form ? new URLSearchParams(init.form).toString() : null,
    });
    const host = new URL(url).host;
    const jar = this.jars.get(host) ?? new Map<string, string>();
    this.jars.set(host, jar);
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(c) || /max-age=0/i.test(c)) jar.delete(name);
      else jar.set(name, value);
    }
    const location = res.headers.get('location');
    return {
      url,
      status: res.status,
      location: location ? new URL(location, url).href : null,
      text: await res.text(),
    };
  }

  /**
   * From Consulta's start URL through the provider's login (as `login`) and consent forms to the moment the
   * provider sends the browser back: returns the callback URL, not yet visited.
   */
  async signInAtProvider(startUrl: string, login: string, callbackPrefix: string): Promise<string> {
    let res = await this.request(startUrl);
    for (let hops = 0; hops < 20; hops++) {
      if (res.location?.startsWith(callbackPrefix)) return res.location;
      if (res.location) {
        res = await this.request(res.location);
        continue;
      }
      if (res.status !== 200) throw new Error(`provider answered ${res.status}: ${res.text.slice(0, 300)}`);
      const form = /<form[^>]*action="([^"]+)"[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/i.exec(res.text);
      if (!form) throw new Error(`no form on the provider's page: ${res.text.slice(0, 300)}`);
      const fields: Record<string, string> = {};
      for (const m of form[2]!.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) {
        fields[m[1]!] = m[2]!;
      }
      if (fields.prompt === 'login') Object.assign(fields, { login, password: 'whatever the provider asks' });
      res = await this.request(new URL(form[1]!.replaceAll('&amp;', '&'), res.url).href, { form: fields });
    }
    throw new Error('too many redirects');
  }
}
