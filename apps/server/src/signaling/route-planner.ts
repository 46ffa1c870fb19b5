import type { Plan, Topology } from '@consulta/protocol';
import type { Room } from './room.ts';

/** Decides how media flows in a room. Called after every membership or bandwidth change. */
export interface RoutePlanner {
  /** The plan for the room as it is now (its version is assigned by Rooms). */
  plan(room: Room): Omit<Plan, 'version'>;
  /**
   * The topology the room would get if everyone in its waiting room were admitted now, without changing any
   * planning state (warm standby builds that path ahead). Absent: no foresight, no standby.
   */
  foresee?(room: Room): Topology;
  /** Whether the room should be replanned on the next background round though it is not in tree mode. */
  wantsReplan?(consultationId: string): boolean;
  /** The room closed: drop any state kept for it. */
  forget(consultationId: string): void;
}
