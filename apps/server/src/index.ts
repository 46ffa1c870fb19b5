// The server's public face, for the listener, tests and benchmarks.
export { type AppDeps, buildApp } from './app.ts';
export {
  type AppConfig,
  ConfigError,
  type DeepPartial,
  loadConfig,
  type RawConfig,
  repoRoot,
  resolveConfig,
} from './config/index.ts';
export type DeepPartialConfig = import('./config/index.ts').DeepPartial<
  import('./config/index.ts').RawConfig
>;
export { type Database, openDatabase } from './db/index.ts';
export { createMailer, type Mailer } from './email/mailer.ts';
export { createStaffUser, seedStaffIfEmpty } from './seed.ts';
