export { ConfigError, type DeepPartial, loadConfig, repoRoot, resolveConfig } from './load.ts';
export type { AppConfig, RawConfig } from './schema.ts';
