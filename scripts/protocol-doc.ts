// Regenerates the generated sections of docs/protocol.md (messages, close codes, REST routes, error and reason
// codes) from packages/protocol, between their `<!-- generated:NAME:begin/end -->` markers.
// `node --import tsx scripts/protocol-doc.ts` writes; tests/docs/protocol-doc.test.ts fails when it is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeProtocol } from '../packages/protocol/src/index.ts';

export const docPath = path.resolve(import.meta.dirname, '../docs/protocol.md');

export function renderProtocolDoc(current: string): string {
  let out = current;
  for (const [name, body] of Object.entries(describeProtocol())) {
    const begin = `<!-- generated:${name}:begin -->`;
    const end = `<!-- generated:${name}:end -->`;
    const a = out.indexOf(begin);
    const b = out.indexOf(end);
    if (a < 0 || b < a) throw new Error(`${docPath} lacks the ${begin} / ${end} markers`);
    out = `${out.slice(0, a + begin.length)}\n${body}${out.slice(b)}`;
  }
  return out;
}

if (process.argv[1] === import.meta.filename) {
  writeFileSync(docPath, renderProtocolDoc(readFileSync(docPath, 'utf8')));
  console.log(`wrote ${docPath}`);
}
