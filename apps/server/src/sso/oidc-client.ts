import * as oidc from 'openid-client';
import type { AppConfig } from '../config/index.ts';

type OidcSettings = AppConfig['auth']['oidc'];

/** What the callback learns about the person from the provider: the ID token's claims and userinfo's. */
export interface ProviderIdentity {
  issuer: string;
  subject: string;
  claims: Record<string, unknown>;
}

/**
 * The relying party's side of the authorization code flow with PKCE, through openid-client (a certified
 * implementation: ID token signature, issuer, audience, expiry, nonce and state checks are its job, not ours).
 * The provider's metadata is discovered on first use and kept; a failed discovery is retried on the next sign-in.
 */
export class OidcClient {
  private configuration: Promise<oidc.Configuration> | null = null;

  constructor(
    private readonly settings: OidcSettings,
    private readonly redirectUrl: string,
  ) {}

  private discover(): Promise<oidc.Configuration> {
    const { issuer, clientId, clientSecret } = this.settings;
    if (!issuer || !clientId) throw new Error('auth.oidc.issuer and auth.oidc.clientId are required');
    const issuerUrl = new URL(issuer);
    // Plain http only for a provider on this machine (a test's, a developer's); anything else must be https.
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(issuerUrl.hostname);
    const metadata: Partial<oidc.ClientMetadata> = {
      [oidc.clockTolerance]: this.settings.clockToleranceSeconds,
    };
    const found = oidc.discovery(
      issuerUrl,
      clientId,
      metadata,
      clientSecret ? oidc.ClientSecretPost(clientSecret) : oidc.None(),
      loopback && issuerUrl.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {},
    );
    found.catch(() => {
      this.configuration = null;
    });
    return found;
  }

  private config(): Promise<oidc.Configuration> {
    this.configuration ??= this.discover();
    return this.configuration;
  }

  /** Fresh secrets for one sign-in: the state, the nonce and the PKCE verifier. */
  static newAttempt() {
    return {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
    };
  }

  async authorizationUrl(attempt: { state: string; nonce: string; codeVerifier: string }): Promise<URL> {
    const config = await this.config();
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUrl,
      scope: this.settings.scopes.join(' '),
      state: attempt.state,
      nonce: attempt.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(attempt.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  /**
   * Exchanges the code from the callback's query and validates the ID token (signature, iss, aud, exp, iat,
   * nonce) and the state; adds userinfo's claims (providers put groups and email there in the code flow). Throws
   * on anything wrong.
   */
  async exchange(
    rawQuery: string,
    expected: { state: string; nonce: string; codeVerifier: string },
  ): Promise<ProviderIdentity> {
    const config = await this.config();
    const currentUrl = new URL(this.redirectUrl);
    currentUrl.search = rawQuery;
    const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
      pkceCodeVerifier: expected.codeVerifier,
      expectedState: expected.state,
      expectedNonce: expected.nonce,
      idTokenExpected: true,
    });
    const idClaims = tokens.claims();
    if (!idClaims) throw new Error('the provider returned no ID token');
    let claims: Record<string, unknown> = { ...idClaims };
    if (config.serverMetadata().userinfo_endpoint) {
      const info = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      // The signed ID token wins where both say something.
      claims = { ...info, ...idClaims };
    }
    return { issuer: idClaims.iss, subject: idClaims.sub, claims };
  }
}
