import type { SignInSettings } from '@consulta/protocol';
import { recordAudit } from '../audit/record.ts';
import type { PrismaClient } from '../db/index.ts';
import type { StaffPrincipal } from './principal.ts';

/** The one row of clinic-wide sign-in settings; a fresh install has none, which reads as the defaults. */
const rowId = 'clinic';

export async function readSignInSettings(prisma: PrismaClient): Promise<SignInSettings> {
  const row = await prisma.signInSettings.findUnique({ where: { id: rowId } });
  return { requireTwoFactor: row?.requireTwoFactor ?? false };
}

/** An admin changes the settings; the change and who made it are audited. */
export async function updateSignInSettings(
  prisma: PrismaClient,
  admin: StaffPrincipal,
  settings: SignInSettings,
  ip: string,
): Promise<SignInSettings> {
  const before = await readSignInSettings(prisma);
  const data = {
    requireTwoFactor: settings.requireTwoFactor,
    updatedAt: new Date(),
    updatedById: admin.userId,
  };
  await prisma.signInSettings.upsert({ where: { id: rowId }, create: { id: rowId, ...data }, update: data });
  await recordAudit(prisma, {
    action: 'settings.sign_in',
    actor: admin,
    targetType: 'settings',
    targetId: rowId,
    ip,
    details: { from: before, to: settings },
  });
  return readSignInSettings(prisma);
}
