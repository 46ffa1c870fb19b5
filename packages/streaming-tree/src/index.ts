export { chainEdges } from './chain.ts';
export { isTreeFeasible } from './feasibility.ts';
export { createTreePlanner, type TreePlanner } from './planner.ts';
export type {
  PlanFailure,
  PlannerOptions,
  PlanResult,
  TreeDiff,
  TreeEdge,
  TreePeer,
  TreeSnapshot,
  UnplacedReceiver,
} from './types.ts';
