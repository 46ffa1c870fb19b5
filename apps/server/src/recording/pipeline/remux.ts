import { FIRST_INPUT_FD, PROGRESS_FD } from './ffmpeg-process.ts';
import type { TrackEndReason, TrackKind } from './types.ts';

export interface RemuxInput {
  trackId: string;
  participantId: string;
  displayName: string;
  kind: TrackKind;
  /** The sealed track file; FFmpeg reads it decrypted from a pipe. */
  path: string;
  /** Where the track starts on the final timeline. */
  offsetMs: number;
  /** Set when the participant stopped being recorded before the end (their stream is tagged with it). */
  endedBy?: TrackEndReason | null;
}

export interface RemuxPlan {
  args: string[];
  /** Output stream index of every input track. */
  streamIndex: Map<string, number>;
  mixedAudioStreamIndex: number | null;
}

export const MIXED_AUDIO_TITLE = 'Consultation audio (all participants)';
/** Matroska tags naming whose a stream is; ffprobe shows them as stream tags. */
export const PARTICIPANT_TAG = 'CONSULTA_PARTICIPANT';
export const TRACK_TAG = 'CONSULTA_TRACK';
/** On a participant's streams that end early on purpose: `consent-withdrawn`. */
export const ENDED_TAG = 'CONSULTA_ENDED';

/**
 * One FFmpeg run that builds the consultation's file from the per-track files. Every track keeps its own stream,
 * copied as recorded and shifted to its start offset (`-itsoffset`). Players pick one audio stream, so stream 0 is
 * the mix of all audio tracks (each padded with silence from 0 so they line up), the only part re-encoded (Opus).
 * It and the first video stream are the defaults.
 *
 * No plaintext touches the disk: input i is read from fd 4 + i (the caller writes the decrypted track into it),
 * the WebM goes to stdout (sealed by the caller as it comes) and progress to fd 3 (its last out_time is the
 * duration, which a WebM written to a pipe does not carry).
 */
export function remuxPlan(inputs: RemuxInput[]): RemuxPlan {
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-y'];
  inputs.forEach((input, i) => {
    args.push('-itsoffset', (input.offsetMs / 1000).toFixed(3));
    args.push('-f', 'matroska', '-i', `pipe:${FIRST_INPUT_FD + i}`);
  });
  const audio = inputs.map((input, i) => ({ input, i })).filter(({ input }) => input.kind === 'audio');
  const streamIndex = new Map<string, number>();
  let next = 0;
  let mixedAudioStreamIndex: number | null = null;
  if (audio.length > 0) {
    const padded = audio.map(({ i }) => `[${i}:0]aresample=async=1:first_pts=0[a${i}]`);
    const mix =
      audio.length === 1
        ? `[a${audio[0]!.i}]anull[mix]`
        : `${audio.map(({ i }) => `[a${i}]`).join('')}amix=inputs=${audio.length}:duration=longest:normalize=0[mix]`;
    args.push('-filter_complex', [...padded, mix].join(';'));
    args.push('-map', '[mix]', `-c:${next}`, 'libopus', `-b:${next}`, '64k');
    args.push(`-metadata:s:${next}`, `title=${MIXED_AUDIO_TITLE}`, `-disposition:${next}`, 'default');
    mixedAudioStreamIndex = next++;
  }
  let firstVideo = true;
  inputs.forEach((input, i) => {
    const out = next++;
    streamIndex.set(input.trackId, out);
    const isDefaultVideo = input.kind === 'video' && firstVideo;
    if (input.kind === 'video') firstVideo = false;
    args.push('-map', `${i}:0`, `-c:${out}`, 'copy');
    args.push(`-metadata:s:${out}`, `title=${input.displayName} (${input.kind})`);
    args.push(`-metadata:s:${out}`, `${PARTICIPANT_TAG}=${input.participantId}`);
    args.push(`-metadata:s:${out}`, `${TRACK_TAG}=${input.trackId}`);
    if (input.endedBy) args.push(`-metadata:s:${out}`, `${ENDED_TAG}=${input.endedBy}`);
    args.push(`-disposition:${out}`, isDefaultVideo ? 'default' : '0');
  });
  args.push('-progress', `pipe:${PROGRESS_FD}`, '-f', 'webm', 'pipe:1');
  return { args, streamIndex, mixedAudioStreamIndex };
}
