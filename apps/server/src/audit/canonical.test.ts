import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson } from './canonical.ts';

test('canonical JSON sorts keys at every depth and drops undefined members', () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined }], c: null }, u: undefined }),
    '{"a":{"c":null,"d":[3,{"z":1}]},"b":1}',
  );
  assert.equal(canonicalJson({ x: 'é"\n' }), '{"x":"é\\"\\n"}');
  assert.equal(canonicalJson(undefined), 'null');
});
