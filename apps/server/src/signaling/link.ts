import type { ServerMessage } from '@consulta/protocol';
import type { Principal } from '../auth/principal.ts';

/** One WebSocket connection as the room logic sees it: who is on it, where they are, and how to reach them. */
export interface Link {
  readonly id: number;
  /** Who is on it; refreshed from the database on every `join`. */
  principal: Principal;
  readonly ip: string;
  /** Where this connection stands; set by Rooms. */
  place: { state: 'idle' } | { state: 'waiting' | 'joined'; consultationId: string; participantId: string };
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
}
