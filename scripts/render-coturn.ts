// Renders infra/coturn/turnserver.conf from infra/config (NODE_ENV profile + environment) for coturn.
// Usage: node --import tsx scripts/render-coturn.ts [--out <file>] [--mode <octal>]
//   --out   default infra/coturn/turnserver.conf (git-ignored)
//   --mode  file mode, default 600 because the file holds the TURN secret; the compose file uses 644 so the
//           coturn container's unprivileged user can read it from a volume only containers see.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, repoRoot } from '../apps/server/src/config/index.ts';
import { coturnConfigPath, writeCoturnConfig } from '../apps/server/src/turn/index.ts';

const { values } = parseArgs({
  options: { out: { type: 'string' }, mode: { type: 'string', default: '600' } },
});
const mode = Number.parseInt(values.mode, 8);
if (!/^[0-7]{3}$/.test(values.mode)) {
  console.error(`--mode must be three octal digits, got ${values.mode}`);
  process.exit(2);
}
const file = values.out ? path.resolve(repoRoot, values.out) : coturnConfigPath;
try {
  writeCoturnConfig(loadConfig(), file, mode);
  console.log(`wrote ${file}`);
} catch (err) {
  console.error(`render-coturn: ${(err as Error).message}`);
  process.exit(1);
}
