// NAT traversal on real namespaces: two peers each behind a symmetric NAT (address-and-port-dependent mapping)
// have no direct path, so their 1:1 call must run through coturn with the server's short-lived TURN REST
// credentials; two peers behind ordinary endpoint-independent NAT end on a direct pair (no relay).
// "Through coturn": each side's selected pair has a relay end. Chrome often settles on relay <-> prflx rather
// than relay <-> relay (the symmetric peer reaches the other's relay port straight through its own NAT, which
// coturn's IP-only permissions allow); both cross coturn exactly once, and the test prints which it got.
// The file re-runs itself inside a lab namespace (tests/support/netlab); figures print as `MEASURE`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type ConnectionPair,
  LabCall,
  type LabParticipant,
  labSuite,
  waitFor,
} from '../support/netlab/index.ts';

const thisFile = fileURLToPath(import.meta.url);

labSuite(
  thisFile,
  {
    what: 'NAT traversal in the network lab (symmetric NAT -> relay, endpoint-independent NAT -> direct)',
    passes: 2,
    timeoutMs: 900_000,
  },
  '1:1 calls across NATs',
  (lab) => {
    test('both behind symmetric NAT: relay/relay through coturn with REST credentials', async () => {
      const call = await LabCall.start();
      try {
        const doc = await call.addClinician('clinician', await lab().addHost('sym-a', 'symmetric-nat'));
        const patient = await call.addGuest('patient', await lab().addHost('sym-b', 'symmetric-nat'));
        await connectedPairs([doc, patient], call, () => true);
        await videoFlows([doc, patient]);
        // Direct checks never succeed, so the pair in use after media flowed is still through the relay.
        const pairs = await connectedPairs([doc, patient], call, () => true);
        for (const [who, p] of pairs) {
          assert.ok(
            p.localCandidateType === 'relay' || p.remoteCandidateType === 'relay',
            `${who}: the pair crosses coturn ${JSON.stringify(p)}`,
          );
        }
        assert.ok(
          pairs.some(([, p]) => p.localCandidateType === 'relay'),
          'at least one side sends from its relay allocation',
        );
        // The relay was opened with the credentials the server signed for this participant, short-lived.
        const creds = await patient.page.evaluate(() => window.lab.turnCredentials());
        const turn = creds.iceServers.find((s) => String(s.urls).startsWith('turn:'))!;
        const [expiry] = String(turn.username).split(':');
        const ttl = Number(expiry) - Date.now() / 1000;
        assert.ok(ttl > 0 && ttl <= call.server.config.turn.credentialTtlSeconds + 5, `expiry in ${ttl} s`);
        const users = [...call.server.coturn.logs().matchAll(/user <([^>]+)>/g)].map((m) => m[1]!);
        assert.ok(
          users.some((u) => u.endsWith(`:${patient.id}`)),
          `coturn served the patient's REST username (${[...new Set(users)].join(', ')})`,
        );
        console.log(
          `MEASURE symmetric NAT both sides: ${pairs.map(([w, p]) => `${w} ${p.localCandidateType}/${p.remoteCandidateType}`).join(', ')}`,
        );
      } catch (err) {
        console.error(await call.dump());
        throw err;
      } finally {
        await call.close();
      }
    });

    test('both behind endpoint-independent NAT: a direct pair, no relay', async () => {
      const call = await LabCall.start();
      try {
        const doc = await call.addClinician('clinician', await lab().addHost('eim-a', 'fibre'));
        const patient = await call.addGuest('patient', await lab().addHost('eim-b', 'dsl'));
        // ICE may nominate a relay pair first and move to the direct one once its checks succeed.
        const direct = (p: ConnectionPair) =>
          p.localCandidateType !== 'relay' && p.remoteCandidateType !== 'relay';
        const pairs = await connectedPairs([doc, patient], call, direct);
        for (const [who, p] of pairs) {
          assert.notEqual(p.localCandidateType, 'relay', `${who}: ${JSON.stringify(p)}`);
          assert.notEqual(p.remoteCandidateType, 'relay', `${who}: ${JSON.stringify(p)}`);
          // The peer is behind its own NAT: we reach it at its public mapping, learnt by STUN or from its checks.
          assert.ok(['srflx', 'prflx'].includes(p.remoteCandidateType ?? ''), `${who}: ${JSON.stringify(p)}`);
        }
        await videoFlows([doc, patient]);
        console.log(
          `MEASURE endpoint-independent NAT: ${pairs.map(([w, p]) => `${w} ${p.localCandidateType}/${p.remoteCandidateType}`).join(', ')}`,
        );
      } catch (err) {
        console.error(await call.dump());
        throw err;
      } finally {
        await call.close();
      }
    });
  },
);

/** Waits until each participant's p2p connection is connected on a pair `ok` accepts; that pair, per participant. */
async function connectedPairs(
  people: LabParticipant[],
  call: LabCall,
  ok: (p: ConnectionPair) => boolean,
): Promise<Array<[string, ConnectionPair]>> {
  return Promise.all(
    people.map(async (p) => {
      const pair = await waitFor(
        async () => {
          const pairs = await p.page.evaluate(() => window.lab.connectionPairs());
          return pairs.find(
            (c) => c.role === 'mesh' && c.state === 'connected' && c.localCandidateType && ok(c),
          );
        },
        45_000,
        `${p.name}'s connection (${await call.dump()})`,
      );
      return [p.name, pair] as [string, ConnectionPair];
    }),
  );
}

/** Each side decodes more and more of the other's video. */
async function videoFlows(people: LabParticipant[]): Promise<void> {
  for (const p of people) {
    const frames = async () => {
      const r = await p.page.evaluate(() => window.lab.received());
      return Object.values(r).reduce((n, m) => n + m.framesDecoded, 0);
    };
    const first = await waitFor(
      async () => ((await frames()) > 0 ? frames() : undefined),
      30_000,
      `${p.name} decodes video`,
    );
    await waitFor(
      async () => ((await frames()) > first + 10 ? true : undefined),
      30_000,
      `${p.name} keeps decoding`,
    );
  }
}
