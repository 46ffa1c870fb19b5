import { ErrorCode } from '@consulta/protocol';
import type { PrismaClient } from '../db/index.ts';
import { AppError } from '../errors.ts';

/** The staff account an admin route names, or NOT_FOUND. */
export async function staffUserOr404(prisma: PrismaClient, userId: string) {
  const user = await prisma.user.findUnique({ where: { id: userId } });
  if (!user) throw new AppError(ErrorCode.NotFound, 'No such staff account');
  return user;
}
