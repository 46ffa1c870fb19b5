import { createHmac } from 'node:crypto';
import type { AppConfig } from '../config/index.ts';

export type TurnCredentialSettings = Pick<AppConfig['turn'], 'secret' | 'credentialTtlSeconds' | 'urls'>;

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export interface IceServers {
  iceServers: IceServer[];
  /** ISO time after which coturn rejects the credential. */
  expiresAt: string;
  ttlSeconds: number;
}

/**
 * Short-lived TURN credentials in the TURN REST API format coturn checks with `use-auth-secret`:
 * username `<expiryUnixSeconds>:<subject>`, credential base64(HMAC-SHA1(secret, username)).
 * STUN URLs need no credentials and are returned in their own entry.
 */
export function createIceServers(
  turnConfig: TurnCredentialSettings,
  subject: string,
  now = Date.now(),
): IceServers {
  // coturn takes everything before the first ':' as the expiry, and a STUN USERNAME is at most 513 bytes.
  if (!/^[^\s:]{1,200}$/.test(subject)) {
    throw new TypeError('TURN subject must be 1-200 characters without whitespace or ":"');
  }
  const ttlSeconds = turnConfig.credentialTtlSeconds;
  const expiry = Math.floor(now / 1000) + ttlSeconds;
  const username = `${expiry}:${subject}`;
  const credential = createHmac('sha1', turnConfig.secret).update(username).digest('base64');
  const stunUrls = turnConfig.urls.filter((u) => /^stuns?:/.test(u));
  const turnUrls = turnConfig.urls.filter((u) => /^turns?:/.test(u));
  const iceServers: IceServer[] = [];
  if (stunUrls.length > 0) iceServers.push({ urls: stunUrls });
  if (turnUrls.length > 0) iceServers.push({ urls: turnUrls, username, credential });
  return { iceServers, expiresAt: new Date(expiry * 1000).toISOString(), ttlSeconds };
}
