// Whether a plan has a participant forwarding someone else's stream (a tree relay), and whether a socket's member
// is one, as far as that socket has been told: the `joined` that named its member and every plan since. Read on
// the node that holds the socket, which in a cluster need not be the node that runs the room.
import type { Plan, ServerMessage } from '@consulta/protocol';

/** Whether `participantId` forwards someone else's stream in the plan. */
export function relaysOthers(plan: Plan, participantId: string): boolean {
  return (
    plan.topology === 'tree' &&
    plan.edges.some((e) => e.parent === participantId && e.streamId !== participantId)
  );
}

export class RelayRole {
  private self: string | null = null;
  /** Worked out when a plan arrives, not on every heartbeat round that asks. */
  private relaying = false;

  get relays(): boolean {
    return this.relaying;
  }

  /** Every message sent on the socket passes here. */
  seen(message: ServerMessage): void {
    if (message.type === 'joined') this.self = message.self.id;
    else if (message.type !== 'plan') return;
    this.relaying = this.self !== null && relaysOthers(message.plan, this.self);
  }
}
