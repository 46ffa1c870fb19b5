import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decideTopology, type Participant, type PolicyDecision, type PolicyInput } from '../src/index.ts';

const participant = (id: string): fc.Arbitrary<Participant> =>
  fc.record({
    id: fc.constant(id),
    role: fc.constantFrom('CLINICIAN', 'PATIENT', 'FAMILY', 'INTERPRETER'),
    uplinkKbps: fc.option(fc.integer({ min: 20, max: 60000 }), { nil: undefined }),
    downlinkKbps: fc.option(fc.integer({ min: 50, max: 200000 }), { nil: undefined }),
    relayOnly: fc.boolean(),
    device: fc.constantFrom('desktop', 'laptop', 'tablet', 'mobile'),
    receiveLossPercent: fc.option(fc.double({ min: 0, max: 12, noNaN: true }), { nil: undefined }),
  });

const input: fc.Arbitrary<PolicyInput> = fc.record({
  participants: fc
    .integer({ min: 0, max: 8 })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => participant(`p${i}`)))),
  recording: fc.constantFrom('off', 'off', 'requested', 'running'),
});

/** The same session with every known bandwidth multiplied by its own factor in [1 - noise, 1 + noise]. */
const jitter = (base: PolicyInput, factors: number[]): PolicyInput => ({
  ...base,
  participants: base.participants.map((p, i) => ({
    ...p,
    uplinkKbps: p.uplinkKbps === undefined ? undefined : p.uplinkKbps * factors[(2 * i) % factors.length]!,
    downlinkKbps:
      p.downlinkKbps === undefined ? undefined : p.downlinkKbps * factors[(2 * i + 1) % factors.length]!,
  })),
});

describe('decideTopology properties', () => {
  test('a decision fed back with the same input stands (no self-induced change)', () => {
    fc.assert(
      fc.property(input, (i) => {
        const d = decideTopology(i);
        const again = decideTopology(i, d);
        assert.equal(again.topology, d.topology);
        assert.equal(again.quality, d.quality);
      }),
      { numRuns: 300 },
    );
  });

  test('bandwidth noise of +-5% changes a session at most twice (one step down, then stable)', () => {
    fc.assert(
      fc.property(
        input,
        fc.array(
          fc.array(fc.double({ min: 0.95, max: 1.05, noNaN: true }), { minLength: 16, maxLength: 16 }),
          {
            minLength: 5,
            maxLength: 20,
          },
        ),
        (base, rounds) => {
          let previous: PolicyDecision | undefined;
          let changes = 0;
          for (const factors of rounds) {
            const d = decideTopology(jitter(base, factors), previous);
            if (previous && (d.topology !== previous.topology || d.quality !== previous.quality)) changes++;
            previous = d;
          }
          assert.ok(changes <= 2, `${changes} changes`);
        },
      ),
      { numRuns: 200 },
    );
  });
});
