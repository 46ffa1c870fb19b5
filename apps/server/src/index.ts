// The server's public face, for the listener, tests and benchmarks.
import type { DeepPartial, RawConfig } from './config/index.ts';

export { type AppDeps, buildApp } from './app.ts';
export { RoomLeases } from './cluster/room-lease.ts';
export { RoomStore } from './cluster/room-store.ts';
export {
  type AppConfig,
  ConfigError,
  type DeepPartial,
  loadConfig,
  type RawConfig,
  repoRoot,
  resolveConfig,
} from './config/index.ts';
export { type Database, openDatabase } from './db/index.ts';
export { createMailer, type Mailer } from './email/mailer.ts';
export { createStaffUser, seedStaffIfEmpty } from './seed.ts';

/** Configuration overrides as tests and tools pass them to `loadConfig`. */
export type DeepPartialConfig = DeepPartial<RawConfig>;
