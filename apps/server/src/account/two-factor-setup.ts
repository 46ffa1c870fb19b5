import { ErrorCode, type TwoFactorSetup } from '@consulta/protocol';
import QRCode from 'qrcode';
import type { StaffPrincipal } from '../auth/principal.ts';
import { newTotpSecret, totpUri } from '../auth/totp.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';

/**
 * Starts TOTP enrolment: a fresh secret is stored (encrypted) as pending, and returned once as a QR code and as
 * text. Nothing changes at sign-in until a code from the app confirms it (two-factor-confirm.ts).
 */
export async function setupTwoFactor(
  ctx: AppContext,
  staff: Pick<StaffPrincipal, 'kind' | 'userId'>,
): Promise<TwoFactorSetup> {
  const user = await ctx.prisma.user.findUniqueOrThrow({ where: { id: staff.userId } });
  if (user.totpEnabledAt) throw new AppError(ErrorCode.Conflict, 'Two-factor sign-in is already on');
  const secret = newTotpSecret();
  await ctx.prisma.user.update({
    where: { id: user.id },
    data: { totpSecret: ctx.totpSecrets.seal(secret, user.id), totpLastStep: null },
  });
  const otpauthUri = totpUri(ctx.config.auth.totpIssuer, user.email, secret);
  const qrSvg = await QRCode.toString(otpauthUri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  return { secret, otpauthUri, qrSvg };
}
