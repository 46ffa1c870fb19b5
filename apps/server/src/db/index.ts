// The server's data layer. Import from here, not from ../generated/prisma, so the rest of the code does not
// depend on where the client is generated.
export type {
  AuditEvent,
  Consultation,
  Invite,
  MediaPathSpan,
  Participant,
  Recording,
  RecordingConsent,
  Session,
  User,
} from '../generated/prisma/client.ts';
export { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
export * from '../generated/prisma/enums.ts';
export type { DatabaseKind } from './backend.ts';
export { DatabaseLockedError } from './data-dir-lock.ts';
export { isForeignKeyViolation, isUniqueViolation, MigrationError } from './errors.ts';
export { type Database, type OpenDatabaseOptions, openDatabase } from './open-database.ts';
