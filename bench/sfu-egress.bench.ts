// Server egress per participant for the same 3-person call on the SFU, on trees and on a p2p mesh, in Chromium
// (bench/support/sfu-egress.scenario.ts, run in a loopback-only network namespace). The SFU figure comes from the
// mediasoup WebRtcTransports' bytesSent; trees and p2p carry no media through the server (0), so the table also
// gives each topology's participant uplink from getStats, which is where their traffic goes instead.
import path from 'node:path';
import { runInLoopbackNamespace } from '../tests/support/chromium.ts';
import type { BenchReport } from './report.ts';
import { sfuRunEnv } from './support/sfu-env.ts';

const scenario = path.resolve(import.meta.dirname, 'support/sfu-egress.scenario.ts');

interface Row {
  topology: string;
  participants: number;
  windowSeconds: number;
  serverEgressKbpsPerParticipant: number;
  uplinkKbpsPerParticipant: number;
  uplinksKbps: number[];
}

export default async function run(): Promise<BenchReport> {
  const { code, output } = await runInLoopbackNamespace(scenario, { quiet: true, env: sfuRunEnv() });
  if (code !== 0) throw new Error(`egress scenario failed:\n${output.slice(-4000)}`);
  const rows: Row[] = [...output.matchAll(/MEASURE egress (\{.*\})/g)].map((m) => JSON.parse(m[1]!) as Row);
  return {
    name: 'sfu-egress',
    results: { rows },
    tables: [
      {
        title:
          '3-person call, 320x240@15 video + audio: kbit/s per participant (server = SFU transports bytesSent)',
        columns: ['topology', 'server egress', 'participant uplink', 'uplinks (each)'],
        rows: rows.map((r) => [
          r.topology,
          Math.round(r.serverEgressKbpsPerParticipant),
          Math.round(r.uplinkKbpsPerParticipant),
          r.uplinksKbps.join(' / '),
        ]),
      },
    ],
  };
}
