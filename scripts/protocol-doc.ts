// Regenerates the message tables in docs/protocol.md from packages/protocol (between the markers).
// `node --import tsx scripts/protocol-doc.ts` writes; tests/docs/protocol-doc.test.ts fails when it is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeSignaling } from '../packages/protocol/src/index.ts';

export const docPath = path.resolve(import.meta.dirname, '../docs/protocol.md');
export const begin = '<!-- generated:signaling:begin -->';
export const end = '<!-- generated:signaling:end -->';

export function renderProtocolDoc(current: string): string {
  const a = current.indexOf(begin);
  const b = current.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${docPath} lacks the ${begin} / ${end} markers`);
  return `${current.slice(0, a + begin.length)}\n${describeSignaling()}${current.slice(b)}`;
}

if (process.argv[1] === import.meta.filename) {
  writeFileSync(docPath, renderProtocolDoc(readFileSync(docPath, 'utf8')));
  console.log(`wrote ${docPath}`);
}
