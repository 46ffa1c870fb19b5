// `npm run create-admin -- --email ops@clinic.example --name "Ops Admin"`: the first administrator of an install,
// for operators who do not want the first-start demo accounts (or lost them). Prints a generated password once;
// the admin then changes it, and invites everyone else from the admin app. With the embedded database, stop the
// server first (PGlite allows one process); with PostgreSQL it runs beside the server.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { recordAudit } from '../audit/record.ts';
import { generatePassword } from '../auth/password.ts';
import { loadConfig } from '../config/index.ts';
import { isUniqueViolation, openDatabase } from '../db/index.ts';
import { createStaffUser } from '../seed.ts';
import { runCli } from './run-cli.ts';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { email: { type: 'string' }, name: { type: 'string', default: 'Administrator' } },
  });
  if (!values.email || !/^[^@\s]+@[^@\s]+$/.test(values.email)) {
    process.stderr.write('usage: npm run create-admin -- --email <address> [--name "<display name>"]\n');
    return 2;
  }
  const config = loadConfig();
  const db = await openDatabase({
    url: config.database.url,
    dataDir: path.join(config.server.varDir, 'pglite'),
  });
  try {
    // Long and random: it only has to survive until the admin signs in and sets their own.
    const password = `${generatePassword()}${generatePassword()}`;
    const user = await createStaffUser(db.prisma, {
      email: values.email,
      displayName: values.name ?? 'Administrator',
      role: 'ADMIN',
      password,
    });
    await recordAudit(db.prisma, {
      action: 'staff.create',
      actor: { kind: 'system', id: 'create-admin' },
      targetType: 'user',
      targetId: user.id,
      details: { email: user.email, role: 'ADMIN' },
    });
    process.stdout.write(
      `Administrator created (the password is shown only this once):\n  ${user.email}  password: ${password}\n` +
        `Sign in at ${config.server.publicUrl}/admin/ and change it.\n`,
    );
    return 0;
  } catch (err) {
    if (isUniqueViolation(err)) {
      process.stderr.write(`A staff account with the email ${values.email} exists already.\n`);
      return 1;
    }
    throw err;
  } finally {
    await db.close();
  }
}

runCli(main);
