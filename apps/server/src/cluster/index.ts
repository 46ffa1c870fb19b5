export { ClusterNode } from './cluster-node.ts';
export { localRoomCommands, type RoomCommands } from './room-commands.ts';
