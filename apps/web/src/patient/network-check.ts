// The pre-call network check: can this browser reach our STUN and TURN servers? It gathers ICE candidates once
// with the server's short-lived TURN credentials (no media, no peer) and reads what came back: a server-reflexive
// candidate means STUN answered, a relay candidate means TURN allocated a relay for us, so the call can get
// through even a strict firewall.
import type { TurnCredentials } from '@consulta/protocol';
import { useEffect, useState } from 'react';

export interface NetworkCheckResult {
  /** A local address exists (the browser may talk UDP at all). */
  host: boolean;
  /**
   * STUN reported a public address different from the local ones (none on a machine with a public address, or
   * when the browser hides a duplicate): direct connections through NAT are possible.
   */
  stun: boolean;
  /** TURN gave us a relay: works behind firewalls that block direct media. */
  turn: boolean;
  durationMs: number;
}

export type NetworkVerdict = { level: 'good' | 'fair' | 'poor'; words: string };

/** What a patient is told; joining is never blocked, since the call may work anyway. */
export function verdictOf(r: NetworkCheckResult): NetworkVerdict {
  if (r.turn) return { level: 'good', words: 'Your connection is ready for the video call.' };
  if (r.stun)
    return {
      level: 'fair',
      words:
        'Direct connections should work, but our relay server could not be reached. If the call does not connect, ' +
        'try another network.',
    };
  return {
    level: 'poor',
    words:
      'We could not reach our connection servers from this network. The call may not connect: if it fails, try ' +
      'another network (for example mobile data) or another browser.',
  };
}

/** Gathers candidates once; resolves when gathering completes or after `timeoutMs`. */
export async function runNetworkCheck(
  credentials: TurnCredentials,
  timeoutMs = 5000,
  RTCPeerConnectionImpl: typeof RTCPeerConnection = RTCPeerConnection,
): Promise<NetworkCheckResult> {
  const started = performance.now();
  const found = { host: false, stun: false, turn: false };
  const pc = new RTCPeerConnectionImpl({ iceServers: credentials.iceServers, iceCandidatePoolSize: 0 });
  try {
    pc.createDataChannel('network-check');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      pc.addEventListener('icecandidate', (e) => {
        if (!e.candidate) {
          clearTimeout(timer);
          resolve();
          return;
        }
        if (e.candidate.type === 'host') found.host = true;
        else if (e.candidate.type === 'srflx') found.stun = true;
        else if (e.candidate.type === 'relay') found.turn = true;
      });
      pc.createOffer()
        .then((offer) => pc.setLocalDescription(offer))
        .catch(() => resolve());
    });
  } finally {
    pc.close();
  }
  return { ...found, durationMs: Math.round(performance.now() - started) };
}

export type NetworkCheckState =
  | { state: 'running' }
  | { state: 'done'; result: NetworkCheckResult; verdict: NetworkVerdict }
  | { state: 'failed'; message: string };

/** Runs the check once per mount (the pre-call page). */
export function useNetworkCheck(loadCredentials: () => Promise<TurnCredentials>): NetworkCheckState {
  const [check, setCheck] = useState<NetworkCheckState>({ state: 'running' });
  // biome-ignore lint/correctness/useExhaustiveDependencies: one check per visit to the page, not per render.
  useEffect(() => {
    let cancelled = false;
    loadCredentials()
      .then((credentials) => runNetworkCheck(credentials))
      .then((result) => {
        if (!cancelled) setCheck({ state: 'done', result, verdict: verdictOf(result) });
      })
      .catch(() => {
        if (!cancelled) setCheck({ state: 'failed', message: 'The network check could not run.' });
      });
    return () => {
      cancelled = true;
    };
  }, []);
  return check;
}
