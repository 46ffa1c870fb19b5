import { DISPLAY_NAME_MAX_LENGTH, ErrorCode, type StaffRole } from '@consulta/protocol';
import { type AuditActor, type AuditEntry, recordAudit } from '../audit/record.ts';
import type { AppConfig } from '../config/index.ts';
import type { AppContext } from '../context.ts';
import type { User } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type { ProviderIdentity } from './oidc-client.ts';

type OidcSettings = AppConfig['auth']['oidc'];

/** Every account change made here is the provider's doing, audited as the system's. */
const SSO_ACTOR: AuditActor = { kind: 'system', id: 'sso' };

/** Why a person the provider vouched for is not let in; the audit's reason and the error's message. */
export class SsoRefusal extends AppError {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(ErrorCode.SsoNotAllowed, message);
  }
}

/**
 * The role the role claim gives (admin wins when both match), null when no role claim is configured, or a
 * refusal when one is and none of its values match: the provider decides who may use Consulta.
 */
export function mappedRole(settings: OidcSettings, claims: Record<string, unknown>): StaffRole | null {
  if (!settings.roleClaim) return null;
  const raw = claims[settings.roleClaim];
  const values = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? [raw] : [];
  if (values.some((v) => settings.roleValues.admin.includes(v))) return 'ADMIN';
  if (values.some((v) => settings.roleValues.clinician.includes(v))) return 'CLINICIAN';
  throw new SsoRefusal('no-role', 'Your organisation has not given you access to Consulta');
}

/**
 * The staff account of a person the provider vouched for: the one linked to this issuer and subject; else the one
 * with the same *verified* email, which gets linked (an unverified email could be anyone's); else, with
 * just-in-time creation on, a new account. A deactivated account is refused. With a role claim configured the
 * provider is the source of truth for the role: a changed role is written (audited) before the session starts.
 */
export async function staffAccountFor(
  ctx: AppContext,
  identity: ProviderIdentity,
  ip: string,
): Promise<User> {
  const settings = ctx.config.auth.oidc;
  const { prisma } = ctx;
  const role = mappedRole(settings, identity.claims);
  const email = typeof identity.claims.email === 'string' ? identity.claims.email.toLowerCase() : null;
  const emailVerified = identity.claims.email_verified === true;
  const audit = (action: AuditEntry['action'], account: User, details: AuditEntry['details']) =>
    recordAudit(prisma, { action, actor: SSO_ACTOR, targetType: 'user', targetId: account.id, ip, details });

  let user = await prisma.user.findUnique({
    where: { oidcIssuer_oidcSubject: { oidcIssuer: identity.issuer, oidcSubject: identity.subject } },
  });
  if (!user && email && emailVerified) {
    const byEmail = await prisma.user.findUnique({ where: { email } });
    if (byEmail?.oidcSubject) {
      throw new SsoRefusal(
        'linked-elsewhere',
        'This email’s account is linked to another single sign-on identity',
      );
    }
    if (byEmail && !byEmail.deactivatedAt) {
      user = await prisma.user.update({
        where: { id: byEmail.id },
        data: { oidcIssuer: identity.issuer, oidcSubject: identity.subject },
      });
      await audit('staff.sso_link', user, { email, issuer: identity.issuer, subject: identity.subject });
    } else if (byEmail) {
      user = byEmail;
    }
  }
  if (!user) {
    if (!settings.justInTime) {
      throw new SsoRefusal(
        'unknown-person',
        'You have no Consulta account yet; ask your administrator for one',
      );
    }
    if (!email || !emailVerified) {
      throw new SsoRefusal('no-verified-email', 'Your organisation did not confirm your email address');
    }
    // No account has this email: the lookup above found none (an unverified email stops here before it).
    const name =
      typeof identity.claims.name === 'string' && identity.claims.name ? identity.claims.name : email;
    user = await prisma.user.create({
      data: {
        email,
        displayName: name.slice(0, DISPLAY_NAME_MAX_LENGTH),
        role: role ?? 'CLINICIAN',
        oidcIssuer: identity.issuer,
        oidcSubject: identity.subject,
      },
    });
    await audit('staff.create', user, {
      email,
      role: user.role,
      via: 'sso',
      issuer: identity.issuer,
      subject: identity.subject,
    });
    return user;
  }
  if (user.deactivatedAt) throw new SsoRefusal('deactivated', 'Your Consulta account is deactivated');
  if (role && role !== user.role) {
    const from = user.role;
    user = await prisma.user.update({ where: { id: user.id }, data: { role } });
    // Sessions started under the old role end with it (the same rule as an admin's role change).
    const ended = await ctx.sessions.end({ userId: user.id }, 'role-changed');
    await audit('staff.role', user, { email: user.email, from, to: role, via: 'sso', sessionsEnded: ended });
  }
  return user;
}
