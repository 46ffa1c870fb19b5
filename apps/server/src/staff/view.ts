import type { StaffMember } from '@consulta/protocol';
import type { User } from '../db/index.ts';

/** A staff account as administrators see it (never the hashes or the TOTP secret). */
export function staffMemberView(u: User): StaffMember {
  return {
    id: u.id,
    email: u.email,
    displayName: u.displayName,
    role: u.role,
    active: u.deactivatedAt === null,
    hasPassword: u.passwordHash !== null,
    twoFactor: u.totpEnabledAt !== null,
    singleSignOn: u.oidcSubject !== null,
    createdAt: u.createdAt.toISOString(),
    deactivatedAt: u.deactivatedAt?.toISOString() ?? null,
  };
}
