export { MediaService } from './media-service.ts';
export type { RoomHandle, RoomHandleEvents, RoomProducer } from './room-handle.ts';
