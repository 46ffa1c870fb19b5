import type { Plan } from '@consulta/protocol';
import type { Room } from '../signaling/room.ts';
import type { RoutePlanner } from '../signaling/route-planner.ts';

// Interim until @consulta/routing-policy lands in this file.
export class PolicyRoutePlanner implements RoutePlanner {
  constructor(private readonly config: { treeMaxParticipants: number }) {}
  plan(room: Room): Omit<Plan, 'version'> {
    const n = room.members.size;
    return {
      topology: n <= 2 ? 'p2p' : n <= this.config.treeMaxParticipants ? 'tree' : 'sfu',
      quality: 'high',
      reasons: [],
      edges: [],
    };
  }
  forget(): void {}
}
