import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';

// TOTP (RFC 6238) through otplib: 30-second steps, 6 digits, SHA-1, what every authenticator app does.

/**
 * Secrets are encrypted at rest with AES-256-GCM under a key derived from `auth.totpKey`: a database dump (a backup
 * left somewhere) does not hand out everyone's second factor. GCM also authenticates, so a secret copied from
 * another row or edited is refused rather than used.
 */
export class TotpSecrets {
  private readonly key: Buffer;

  constructor(totpKey: string) {
    this.key = createHash('sha256').update(`consulta-totp-v1:${totpKey}`).digest();
  }

  /** `v1.iv.tag.ciphertext`, base64url; the user id is bound in as associated data. */
  seal(secret: string, userId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(userId));
    const ct = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), ct]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  open(sealed: string, userId: string): string {
    const [version, iv, tag, ct] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || !ct) throw new Error('unknown TOTP secret format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(userId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }
}

export const newTotpSecret = (): string => generateSecret();

export const totpUri = (issuer: string, label: string, secret: string): string =>
  generateURI({ issuer, label, secret });

/**
 * The code's time step when it is right for now (one step of clock drift either way) and later than `afterStep`,
 * the last one accepted: a code seen once (over a shoulder, in a phishing proxy) cannot be replayed. Else null.
 */
export async function verifyTotp(
  secret: string,
  code: string,
  afterStep: number | null,
): Promise<number | null> {
  const result = await verify({
    secret,
    token: code,
    epochTolerance: 30,
    ...(afterStep === null ? {} : { afterTimeStep: afterStep }),
  });
  // The functional API's result type also covers HOTP, which has no time step.
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}
