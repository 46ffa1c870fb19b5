import type { MediaService } from '../media/index.ts';
import type { RoomProducer } from '../media/room-handle.ts';
import type { Rooms } from '../signaling/rooms.ts';
import type { Keyring } from './at-rest/index.ts';
import {
  type PortRange,
  type RecorderLog,
  type RecordingSession,
  startRecorder,
  type VideoLayer,
} from './pipeline/index.ts';
import type { ActiveRecorder, RecorderPort, RecorderResult } from './recorder-port.ts';

export interface SfuRecorderOptions {
  ffmpegPath: string;
  portRange: PortRange;
  log: RecorderLog;
  /** Simulcast layer recorded (config recording.videoLayer). */
  videoLayer: VideoLayer;
  /** Seals what is recorded (config recording.masterKeys). */
  keyring: Keyring;
}

/**
 * The RecorderPort on the SFU: records every producer of the consultation's SFU room, as they come and go, with
 * the FFmpeg pipeline. It is armed while consent is pending (the room is already on the SFU), so at consent only
 * the paused consumers resume. Losing the room's router (its worker died, or the room left the SFU) ends a running
 * recording where it is: the file up to that moment is kept and reported as partial by the service. Before it
 * began, a replaced router just means arming again on the new one.
 */
export class SfuRecorder implements RecorderPort {
  constructor(
    private readonly media: MediaService,
    private readonly rooms: Rooms,
    private readonly o: SfuRecorderOptions,
  ) {}

  async arm(consultationId: string, outputPath: string): Promise<ActiveRecorder> {
    const handle = this.media.roomHandle(consultationId);
    if (!handle) throw new Error(`consultation ${consultationId} has no SFU room to record`);
    const open = () =>
      startRecorder({
        router: handle.router,
        outputPath,
        ffmpegPath: this.o.ffmpegPath,
        portRange: this.o.portRange,
        log: this.o.log,
        armed: true,
        videoLayer: this.o.videoLayer,
        keyring: this.o.keyring,
      });
    let session: RecordingSession = await open();
    const displayName = (participantId: string) =>
      this.rooms.get(consultationId)?.members.get(participantId)?.peer.displayName ?? 'Participant';
    let lostListener: ((reason: string) => void) | null = null;
    let lost: string | null = null;
    const lose = (reason: string) => {
      if (lost !== null) return;
      lost = reason;
      lostListener?.(reason);
    };
    // Withdrawn participants: kept here as well as in the session, which a re-arm replaces.
    const withdrawn = new Set<string>();
    const onAdded = (p: RoomProducer) => {
      if (withdrawn.has(p.participantId)) return;
      // A shared screen is one more video track; its title says so (`<name> (screen) (video)` in the file).
      const name = displayName(p.participantId);
      session.addProducer({
        producer: p.producer,
        participantId: p.participantId,
        displayName: p.source === 'screen' ? `${name} (screen)` : name,
      });
    };
    const onRemoved = (p: RoomProducer) => session.removeProducer(p.producer.id);
    let rearming: Promise<void> = Promise.resolve();
    let begun = false;
    const onReplaced = () => {
      if (begun) return lose('the media worker under the recording was lost');
      // Not recording yet: nothing is lost; get ready again on the new router (producers arrive as clients re-send).
      const old = session;
      rearming = (async () => {
        void old.stop();
        session = await open();
        if (begun) session.begin();
        for (const p of handle.producers()) onAdded(p);
      })();
    };
    const onClosed = () => {
      if (begun) lose('the consultation left the SFU');
    };
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
      await rearming;
      const result = await session.stop();
      if (!result.ok) throw new Error(`recording failed: ${result.failure.code}: ${result.failure.message}`);
      return {
        filePath: result.filePath,
        durationMs: result.durationMs,
        sizeBytes: result.sizeBytes,
        sha256: result.sha256,
        complete: result.complete,
      };
    };
    return {
      begin: () => {
        begun = true;
        session.begin();
      },
      withdraw: async (participantId) => {
        withdrawn.add(participantId);
        await session.removeParticipant(participantId, 'consent-withdrawn');
      },
      firstFrame: async (kind) => (await session.firstFrame(kind))?.elapsedMs ?? null,
      stop: () => {
        stopping ??= stop();
        return stopping;
      },
      onLost(listener) {
        lostListener = listener;
        if (lost !== null) listener(lost);
      },
    };
  }
}
