export { hardFrameLimit, signalingRoutes } from './plugin.ts';
export { Rooms } from './rooms.ts';
export type { RoutePlanner } from './route-planner.ts';
