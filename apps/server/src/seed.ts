import type { StaffRole } from '@consulta/protocol';
import { generatePassword, hashPassword } from './auth/password.ts';
import type { PrismaClient } from './db/index.ts';

export async function createStaffUser(
  prisma: PrismaClient,
  input: { email: string; displayName: string; role: StaffRole; password: string },
) {
  return prisma.user.create({
    data: {
      email: input.email.toLowerCase(),
      displayName: input.displayName,
      role: input.role,
      passwordHash: await hashPassword(input.password),
    },
  });
}

/**
 * A fresh install gets one clinician and one admin with generated passwords, returned so the caller can print
 * them once. Nothing happens when any user exists.
 */
export async function seedStaffIfEmpty(
  prisma: PrismaClient,
  seed: { clinicianEmail: string; adminEmail: string },
): Promise<Array<{ email: string; password: string; role: StaffRole }>> {
  if ((await prisma.user.count()) > 0) return [];
  const accounts = [
    {
      email: seed.clinicianEmail,
      displayName: 'Dr. Demo Clinician',
      role: 'CLINICIAN' as const,
      password: generatePassword(),
    },
    {
      email: seed.adminEmail,
      displayName: 'Demo Admin',
      role: 'ADMIN' as const,
      password: generatePassword(),
    },
  ];
  for (const a of accounts) await createStaffUser(prisma, a);
  return accounts.map(({ email, password, role }) => ({ email, password, role }));
}
