import type { MediaService } from '../media/index.ts';
import type { RoomProducer } from '../media/room-handle.ts';
import type { Rooms } from '../signaling/rooms.ts';
import { type PortRange, type RecorderLog, startRecorder } from './pipeline/index.ts';
import type { ActiveRecorder, RecorderPort, RecorderResult } from './recorder-port.ts';

export interface SfuRecorderOptions {
  ffmpegPath: string;
  portRange: PortRange;
  log: RecorderLog;
}

/**
 * The RecorderPort on the SFU: records every producer of the consultation's SFU room, as they come and go, with
 * the FFmpeg pipeline. Losing the room's router (its worker died, or the room left the SFU) fails the recording:
 * the media it was consuming is gone, and a file with a silent hole would pass for a complete record.
 */
export class SfuRecorder implements RecorderPort {
  constructor(
    private readonly media: MediaService,
    private readonly rooms: Rooms,
    private readonly o: SfuRecorderOptions,
  ) {}

  async start(consultationId: string, outputPath: string): Promise<ActiveRecorder> {
    const handle = this.media.roomHandle(consultationId);
    if (!handle) throw new Error(`consultation ${consultationId} has no SFU room to record`);
    const session = await startRecorder({
      router: handle.router,
      outputPath,
      ffmpegPath: this.o.ffmpegPath,
      portRange: this.o.portRange,
      log: this.o.log,
    });
    const displayName = (participantId: string) =>
      this.rooms.get(consultationId)?.members.get(participantId)?.peer.displayName ?? 'Participant';
    let failed: ((reason: string) => void) | null = null;
    let failure: string | null = null;
    const fail = (reason: string) => {
      if (failure !== null) return;
      failure = reason;
      failed?.(reason);
    };
    const onAdded = (p: RoomProducer) => {
      session.addProducer({
        producer: p.producer,
        participantId: p.participantId,
        displayName: displayName(p.participantId),
      });
    };
    const onRemoved = (p: RoomProducer) => session.removeProducer(p.producer.id);
    const onReplaced = () => fail('the media worker under the recording was lost');
    const onClosed = () => fail('the consultation left the SFU');
    // Subscribe before listing, so no producer slips in between.
    handle.on('producer-added', onAdded);
    handle.on('producer-removed', onRemoved);
    handle.on('router-replaced', onReplaced);
    handle.on('closed', onClosed);
    for (const p of handle.producers()) onAdded(p);

    let stopping: Promise<RecorderResult> | null = null;
    const stop = async (): Promise<RecorderResult> => {
      handle.off('producer-added', onAdded);
      handle.off('producer-removed', onRemoved);
      handle.off('router-replaced', onReplaced);
      handle.off('closed', onClosed);
      const result = await session.stop();
      if (!result.ok) throw new Error(`recording failed: ${result.failure.code}: ${result.failure.message}`);
      return {
        filePath: result.filePath,
        durationMs: result.durationMs,
        sizeBytes: result.sizeBytes,
        sha256: result.sha256,
      };
    };
    return {
      firstFrame: session.firstFrame().then(() => undefined),
      stop: () => {
        stopping ??= stop();
        return stopping;
      },
      onFailure(listener) {
        failed = listener;
        if (failure !== null) listener(failure);
      },
    };
  }
}
