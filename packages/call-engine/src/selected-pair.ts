// Pure: a connection's selected ICE candidate pair from a getStats() report, in the media-path record's terms
// (packages/protocol media-path.ts). Only a relay candidate's address leaves the browser: it is our TURN server's.
import type { SelectedPair } from '@consulta/protocol';
import { statsValues } from './stats.ts';

type Stat = { type?: unknown; id?: unknown; [k: string]: unknown };

const candidateTypes = new Set(['host', 'srflx', 'prflx', 'relay']);
const relayProtocols = new Set(['udp', 'tcp', 'tls']);
const addressPattern = /^[0-9A-Fa-f.:]{2,45}$/;

export function selectedPairOf(report: { forEach(cb: (value: unknown) => void): void }): SelectedPair | null {
  const all = statsValues(report) as Stat[];
  const byId = new Map<string, Stat>();
  for (const s of all) if (typeof s.id === 'string') byId.set(s.id, s);
  let pair: Stat | undefined;
  for (const s of all) {
    if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') {
      pair = byId.get(s.selectedCandidatePairId);
      if (pair) break;
    }
  }
  pair ??= all.find((s) => s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated === true);
  if (!pair) return null;
  const local = typeof pair.localCandidateId === 'string' ? byId.get(pair.localCandidateId) : undefined;
  const remote = typeof pair.remoteCandidateId === 'string' ? byId.get(pair.remoteCandidateId) : undefined;
  const localType = local?.candidateType;
  const remoteType = remote?.candidateType;
  const protocol = local?.protocol;
  if (typeof localType !== 'string' || !candidateTypes.has(localType)) return null;
  if (typeof remoteType !== 'string' || !candidateTypes.has(remoteType)) return null;
  if (protocol !== 'udp' && protocol !== 'tcp') return null;
  const out: SelectedPair = {
    localType: localType as SelectedPair['localType'],
    remoteType: remoteType as SelectedPair['remoteType'],
    protocol,
  };
  if (
    localType === 'relay' &&
    typeof local?.relayProtocol === 'string' &&
    relayProtocols.has(local.relayProtocol)
  )
    out.relayProtocol = local.relayProtocol as NonNullable<SelectedPair['relayProtocol']>;
  const relay = localType === 'relay' ? local : remoteType === 'relay' ? remote : undefined;
  const address = relay?.address ?? relay?.ip;
  if (typeof address === 'string' && addressPattern.test(address) && typeof relay?.port === 'number')
    out.relayAddress = `${address}:${relay.port}`;
  return out;
}
