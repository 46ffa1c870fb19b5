import type { BandwidthReport, DeviceClass, Peer, ServerMessageOf, StreamLatency } from '@consulta/protocol';
import type { Link } from './link.ts';

/** A participant admitted to a room. Outlives its connection for the reconnect grace period. */
export interface Member {
  participantId: string;
  kind: 'staff' | 'guest';
  peer: Peer;
  relayOnly: boolean;
  /** As the client reports it; until then assumed a laptop (may relay once its uplink is known). */
  device: DeviceClass;
  /** The share of received media its last report said was lost (BandwidthReport.receiveLossPercent). */
  receiveLossPercent?: number;
  /** SHA-256 of the current resume token (the token itself went to the client in `joined`). */
  resumeTokenHash: string;
  link: Link | null;
  graceTimer: NodeJS.Timeout | null;
  /**
   * Its connection dropped while it relayed others' streams in a tree and has not come back within the relay
   * loss window: the planner takes it as unable to relay (its children get other parents) until it resumes.
   */
  relayLost?: boolean;
  relayLossTimer?: NodeJS.Timeout | null;
  /** Signals sent to it while its connection was down, delivered when it resumes (held-signals.ts). */
  heldSignals?: ServerMessageOf<'signal'>[];
  /** Date.now() when its connection dropped (while `link` is null): its grace period counts from here. */
  disconnectedAt?: number;
  /** The member's latest `receive-latency` report (Date.now() of arrival), for the admin's live view. */
  receiveLatency?: { at: number; streams: StreamLatency[] };
}

/** A guest in the waiting room, connected. */
export interface Waiting {
  participantId: string;
  peer: Peer;
  link: Link;
  /** Their latest report (with `join` or a `bandwidth` while waiting), in force from their first plan. */
  bandwidth?: BandwidthReport;
}
