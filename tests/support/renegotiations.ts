// The rule the switch tests hold every switch of path to, whichever test page the call runs in.
import assert from 'node:assert/strict';
import type { Negotiation } from './engine-page.ts';

/**
 * A switch costs a person at most one renegotiation: an offer/answer exchange on a connection after its first
 * (`count` > 1; new connections' first exchanges are the switch itself). `exchanges` are that person's since the
 * switch began. Returns `<name> <renegotiations> of <exchanges>` for a MEASURE line.
 */
export function assertAtMostOneRenegotiation(name: string, exchanges: Negotiation[]): string {
  const again = exchanges.filter((n) => n.count > 1);
  const which = again.map((n) => `${n.role} ${n.peerId.slice(0, 8)} #${n.count}`).join(', ');
  assert.ok(again.length <= 1, `${name} renegotiated ${again.length} times in one switch: ${which}`);
  return `${name} ${again.length} of ${exchanges.length}`;
}
