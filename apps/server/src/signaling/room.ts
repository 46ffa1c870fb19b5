import type { Peer, Plan, ServerMessage, Topology } from '@consulta/protocol';
import type { Member, Waiting } from './member.ts';

/** In-memory state of one consultation's call. Pure bookkeeping: Rooms does the I/O around it. */
export class Room {
  readonly members = new Map<string, Member>();
  readonly lobby = new Map<string, Waiting>();
  plan: Plan = { version: 0, topology: 'p2p', quality: 'hd', reasons: [], edges: [] };
  /**
   * Recording as the routing policy sees it (any state but 'off' puts the room on the SFU). Set by the recording
   * service: 'requested' once everyone present consented, 'running' while the recorder writes.
   */
  recording: 'off' | 'requested' | 'running' = 'off';
  /**
   * Whether a member's media may flow through the SFU. The recording service closes it for someone who joins
   * during a recording until they consent; the media module checks it before producing or consuming.
   */
  mediaAllowed: (participantId: string) => boolean = () => true;
  /**
   * The topology the policy foresees if everyone waiting were admitted now (null: nobody waits, or no planner
   * foresight). Kept by Rooms; the SFU builds a warm standby when it says `sfu` and the plan does not.
   */
  foreseen: Topology | null = null;
  /** The last SFU epoch used for this room (by any node: it travels in the cluster snapshot), or null. */
  sfuEpoch: number | null = null;

  constructor(readonly consultationId: string) {}

  peers(except?: string): Peer[] {
    return [...this.members.values()].filter((m) => m.participantId !== except).map((m) => m.peer);
  }

  waiting(): Peer[] {
    return [...this.lobby.values()].map((w) => w.peer);
  }

  send(participantId: string, message: ServerMessage): boolean {
    const link = this.members.get(participantId)?.link;
    if (!link) return false;
    link.send(message);
    return true;
  }

  broadcast(message: ServerMessage, except?: string): void {
    for (const m of this.members.values()) if (m.participantId !== except) m.link?.send(message);
  }

  /** Staff learn who waits; guests never see the waiting room's contents. */
  broadcastLobby(): void {
    const message: ServerMessage = { type: 'lobby', waiting: this.waiting() };
    for (const m of this.members.values()) if (m.kind === 'staff') m.link?.send(message);
  }

  get empty(): boolean {
    return this.members.size === 0 && this.lobby.size === 0;
  }
}
