import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { docPath, renderProtocolDoc } from '../../scripts/protocol-doc.ts';

test('docs/protocol.md lists exactly the messages packages/protocol defines', () => {
  const current = readFileSync(docPath, 'utf8');
  assert.equal(
    renderProtocolDoc(current),
    current,
    'docs/protocol.md is stale: run `node --import tsx scripts/protocol-doc.ts`',
  );
});
