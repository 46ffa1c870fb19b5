// A clinician behind a hospital firewall (outbound UDP blocked, only TCP to 80 and 443) still gets a call:
// through coturn over TLS on 443 (`turns:`, coturn's TLS listener rendered from node-config with a certificate
// from a throwaway CA that the lab's browsers trust), through coturn over plain TCP on the same port, and on the
// SFU (its transports reach mediasoup through the relay). Runs inside a lab namespace of its own.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type ConnectionPair,
  LAB_ADDRESSES,
  LabCall,
  type LabCall as LabCallType,
  type LabCertificates,
  type LabParticipant,
  labSuite,
  makeCertificates,
  waitFor,
} from '../support/netlab/index.ts';

const thisFile = fileURLToPath(import.meta.url);

labSuite(
  thisFile,
  {
    what: 'hospital firewall in the network lab: TURN over TLS and TCP on 443, and the SFU',
    passes: 3,
    timeoutMs: 900_000,
  },
  'a clinician whose outbound UDP is blocked',
  (lab) => {
    let certs: LabCertificates;
    before(async () => {
      certs = await makeCertificates(LAB_ADDRESSES.turn);
    });
    after(async () => {
      certs?.dispose();
    });

    for (const [kind, prefix, protocol] of [
      ['TLS', `turns:${LAB_ADDRESSES.turn}:443`, 'tls'],
      ['plain TCP', `turn:${LAB_ADDRESSES.turn}:443?transport=tcp`, 'tcp'],
    ] as const) {
      test(`connects through coturn over ${kind} on 443`, async () => {
        const call = await LabCall.start({ tls: certs });
        try {
          const doc = await call.addClinician(
            'clinician',
            await lab().addHost(`hosp-${protocol}`, 'hospital'),
            {
              onlyIceUrls: prefix,
            },
          );
          const patient = await call.addGuest('patient', await lab().addHost(`home-${protocol}`, 'dsl'));
          const pair = await selectedPair(doc, call, 'mesh');
          assert.equal(pair.localCandidateType, 'relay', JSON.stringify(pair));
          assert.equal(pair.relayProtocol, protocol, JSON.stringify(pair));
          // UDP is really blocked: the clinician learnt no server-reflexive address (STUN is UDP).
          assert.ok(!pair.localCandidates.some((c) => c.startsWith('srflx')), pair.localCandidates.join(' '));
          await videoFlows([doc, patient], call);
          console.log(
            `MEASURE hospital via ${kind}: ${pair.localCandidateType}/${pair.relayProtocol} -> ${pair.remoteCandidateType}`,
          );
        } finally {
          await call.close();
        }
      });
    }

    test('the SFU path works from behind the firewall (through the relay)', async () => {
      const call = await LabCall.start({ tls: certs, overrides: { routing: { forceTopology: 'sfu' } } });
      try {
        const doc = await call.addClinician('clinician', await lab().addHost('hosp-sfu', 'hospital'));
        const patient = await call.addGuest('patient', await lab().addHost('home-sfu', 'dsl'));
        await call.settledPlan((p) => p.topology === 'sfu');
        const pair = await selectedPair(doc, call, 'sfu-send');
        assert.equal(pair.localCandidateType, 'relay', JSON.stringify(pair));
        assert.ok(['tcp', 'tls'].includes(pair.relayProtocol ?? ''), JSON.stringify(pair));
        await videoFlows([doc, patient], call, 'sfu');
        console.log(`MEASURE hospital on the SFU: ${pair.localCandidateType}/${pair.relayProtocol}`);
      } finally {
        await call.close();
      }
    });
  },
);

async function selectedPair(p: LabParticipant, call: LabCallType, role: string): Promise<ConnectionPair> {
  return waitFor(
    async () => {
      const pairs = await p.page.evaluate(() =>
        Promise.all([window.lab.connectionPairs(), window.lab.sfuPairs()]),
      );
      return pairs.flat().find((c) => c.role === role && c.localCandidateType !== null);
    },
    45_000,
    `${p.name}'s ${role} connection: ${await call.dump()}`,
  );
}

/** Each side decodes more and more of the other's video (over `path` when given). */
async function videoFlows(people: LabParticipant[], call: LabCallType, path?: string): Promise<void> {
  for (const p of people) {
    const frames = async () => {
      const r = await p.page.evaluate(() => window.lab.received());
      return Object.values(r)
        .filter((m) => !path || m.paths.includes(path))
        .reduce((n, m) => n + m.framesDecoded, 0);
    };
    const first = await waitFor(
      async () => ((await frames()) > 0 ? frames() : undefined),
      30_000,
      `${p.name} decodes video`,
    );
    await waitFor(
      async () => ((await frames()) > first + 10 ? true : undefined),
      30_000,
      `${p.name} keeps decoding: ${await call.dump()}`,
    );
  }
}
