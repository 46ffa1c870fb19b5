/// <reference lib="dom" />
// The latency probe's page side, injected into every page of a browser context before the page's own scripts
// (tests/support/latency-probe/inject.ts bundles it). It replaces getUserMedia with a probe camera and
// microphone and watches every track that any RTCPeerConnection receives, whatever the route (p2p, a relay in
// a tree, the SFU), so the apps and fixtures under test run unchanged.
//
// Camera: a canvas captureStream on which, every frame, the sender's clock (timeOrigin + now) is painted as a
// block code (code.ts). `setHold(ms)` holds each painted frame that long before it reaches the canvas: the
// known delay that checks the probe. Microphone: an oscillator gated to a short beep at every multiple of the
// tone period of the clock (tone.ts), at this sender's frequency, also held by `setHold`.
// Receiver: each remote video track plays in a small <video>; at every presented frame
// (requestVideoFrameCallback) the frame is drawn to a canvas and the code read back; its latency is the frame's
// expected display time minus the painted time. Each remote audio track feeds an AudioWorklet that finds beep
// onsets (onset-worklet.ts). All pages of a test share the machine's clock, so no clock sync is needed.
import {
  blockRect,
  CODE_HEIGHT,
  CODE_WIDTH,
  decodeBits,
  encodeBits,
  low32,
  readBits,
  unwrapTime,
} from './code.ts';
import { ONSET_WORKLET_NAME, ONSET_WORKLET_SOURCE } from './onset-worklet.ts';
import { senderOfTone, TONE_LENGTH_MS, TONE_PERIOD_MS, toneDelayMs, toneHz } from './tone.ts';

/** One measured frame or beep at this page. */
export interface ProbeSample {
  kind: 'video' | 'audio';
  /** The sender's probe index (from the frame's code or the tone's frequency). */
  sender: number;
  /** Which received track (numbered in order of arrival on this page). */
  track: number;
  /** Receiver clock minus sender clock, ms. */
  latencyMs: number;
  /** Epoch ms at the receiver. */
  at: number;
}

export interface ProbeConfig {
  /** This page's probe index (0..15), painted into its frames and choosing its tone. */
  sender: number;
}

export interface LatencyProbe {
  config: ProbeConfig;
  setHold(ms: number): void;
  /** Samples since the last `clear()` (or the start). */
  samples(): ProbeSample[];
  clear(): void;
  /** Frames drawn with a code that could not be read (a sign of a broken probe). */
  unreadable(): number;
  /**
   * Also measures this page's own probe camera and microphone as track 0: what capture and the measurement
   * itself add before any network (the floor of every figure).
   */
  watchSelf(): void;
}

declare global {
  interface Window {
    consultaLatencyProbe: LatencyProbe;
    /** Set by the injector before this script runs. */
    __consultaLatencyProbeConfig?: ProbeConfig;
  }
}

const config: ProbeConfig = window.__consultaLatencyProbeConfig ?? { sender: 0 };
const nowEpoch = () => performance.timeOrigin + performance.now();
let holdMs = 0;
let samples: ProbeSample[] = [];
let unreadable = 0;
let trackCount = 0;

// ---- Sender: the probe camera ----------------------------------------------------------------------------

let camera: { canvas: HTMLCanvasElement; stream: MediaStream } | null = null;

function probeCamera(): MediaStream {
  if (camera) return camera.stream;
  const canvas = document.createElement('canvas');
  canvas.width = CODE_WIDTH;
  canvas.height = CODE_HEIGHT;
  const ctx = canvas.getContext('2d')!;
  // A held frame waits on its own timer, so it reaches the canvas `holdMs` after it was painted to within the
  // timer's lateness (a shared tick would add up to one tick interval). Small canvases, reused.
  const spare: OffscreenCanvas[] = [];
  const paint = () => {
    const at = nowEpoch();
    const frame = spare.pop() ?? new OffscreenCanvas(CODE_WIDTH, CODE_HEIGHT);
    const f = frame.getContext('2d')!;
    encodeBits({ timeLow32: low32(at), sender: config.sender }).forEach((bit, i) => {
      const r = blockRect(i);
      f.fillStyle = bit ? '#fff' : '#000';
      f.fillRect(r.x, r.y, r.w, r.h);
    });
    const show = () => {
      ctx.drawImage(frame, 0, 0);
      spare.push(frame);
    };
    if (holdMs > 0) setTimeout(show, holdMs - (nowEpoch() - at));
    else show();
  };
  // 30 paints a second: the capture takes the latest at its own rate. A timer, not requestAnimationFrame, which
  // a page in a background context may not get.
  setInterval(paint, 1000 / 30);
  paint();
  camera = { canvas, stream: canvas.captureStream(30) };
  return camera.stream;
}

// ---- Sender: the probe microphone ------------------------------------------------------------------------

let microphone: MediaStream | null = null;

function probeMicrophone(): MediaStream {
  if (microphone) return microphone;
  const ctx = new AudioContext({ sampleRate: 48_000 });
  const osc = new OscillatorNode(ctx, { frequency: toneHz(config.sender) });
  const gate = new GainNode(ctx, { gain: 0 });
  const out = new MediaStreamAudioDestinationNode(ctx);
  osc.connect(gate).connect(out);
  osc.start();
  let scheduledUntil = 0;
  // Beeps are scheduled on the context's clock a little ahead; the context-to-epoch offset is re-read each time
  // (currentTime advances in 128-sample steps, so it is good to ~3 ms).
  const schedule = () => {
    void ctx.resume();
    const now = nowEpoch();
    const ctxAtEpoch = (epochMs: number) => ctx.currentTime + (epochMs - now) / 1000;
    const first = Math.max(scheduledUntil, Math.ceil((now + 50) / TONE_PERIOD_MS) * TONE_PERIOD_MS);
    for (let beep = first; beep < now + 1_500; beep += TONE_PERIOD_MS) {
      const start = ctxAtEpoch(beep + holdMs);
      gate.gain.setValueAtTime(0.5, start);
      gate.gain.setValueAtTime(0, start + TONE_LENGTH_MS / 1000);
      scheduledUntil = beep + TONE_PERIOD_MS;
    }
  };
  setInterval(schedule, 250);
  schedule();
  microphone = out.stream;
  return microphone;
}

const nativeGetUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = async (constraints?: MediaStreamConstraints) => {
  if (!constraints) return nativeGetUserMedia(constraints);
  // Fresh clones per call: the apps stop tracks when they switch devices, which must not stop the source.
  const tracks: MediaStreamTrack[] = [];
  if (constraints.audio) tracks.push(probeMicrophone().getAudioTracks()[0]!.clone());
  if (constraints.video) tracks.push(probeCamera().getVideoTracks()[0]!.clone());
  return new MediaStream(tracks);
};

// ---- Receiver ---------------------------------------------------------------------------------------------

let shelf: HTMLElement | null = null;
function onShelf(el: HTMLElement): void {
  if (!shelf) {
    // Tiny and nearly transparent but on screen: a hidden <video> may not present frames.
    shelf = document.createElement('div');
    shelf.style.cssText = 'position:fixed;left:0;bottom:0;opacity:0.01;pointer-events:none;z-index:-1';
    document.body.append(shelf);
  }
  shelf.append(el);
}

function watchVideo(track: MediaStreamTrack, trackNo: number): void {
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.width = 64;
  video.height = 48;
  video.srcObject = new MediaStream([track]);
  const canvas = document.createElement('canvas');
  canvas.width = CODE_WIDTH;
  canvas.height = CODE_HEIGHT;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const onFrame = (_now: number, meta: VideoFrameCallbackMetadata) => {
    if (track.readyState === 'ended') {
      video.remove();
      return;
    }
    ctx.drawImage(video, 0, 0, CODE_WIDTH, CODE_HEIGHT);
    const code = decodeBits(readBits(ctx.getImageData(0, 0, CODE_WIDTH, CODE_HEIGHT).data));
    const shownAt = performance.timeOrigin + meta.expectedDisplayTime;
    if (code) {
      const sent = unwrapTime(code.timeLow32, shownAt);
      samples.push({
        kind: 'video',
        sender: code.sender,
        track: trackNo,
        latencyMs: shownAt - sent,
        at: shownAt,
      });
    } else unreadable++;
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  onShelf(video);
  void video.play().catch(() => {});
}

let listening: Promise<AudioContext> | null = null;
function listeningContext(): Promise<AudioContext> {
  listening ??= (async () => {
    const ctx = new AudioContext({ sampleRate: 48_000 });
    const url = URL.createObjectURL(new Blob([ONSET_WORKLET_SOURCE], { type: 'text/javascript' }));
    await ctx.audioWorklet.addModule(url);
    await ctx.resume();
    return ctx;
  })();
  return listening;
}

async function watchAudio(track: MediaStreamTrack, trackNo: number): Promise<void> {
  // Chromium delivers a remote track's samples to Web Audio only while a media element plays it too.
  const sink = document.createElement('audio');
  sink.muted = true;
  sink.srcObject = new MediaStream([track]);
  onShelf(sink);
  void sink.play().catch(() => {});
  const ctx = await listeningContext();
  const source = new MediaStreamAudioSourceNode(ctx, { mediaStream: new MediaStream([track]) });
  const detector = new AudioWorkletNode(ctx, ONSET_WORKLET_NAME);
  const silent = new GainNode(ctx, { gain: 0 });
  source.connect(detector).connect(silent).connect(ctx.destination);
  detector.port.onmessage = (e: MessageEvent<{ onset: number; hz: number; postedAt: number }>) => {
    const sender = senderOfTone(e.data.hz);
    if (sender === null) return;
    const at = nowEpoch() - (e.data.postedAt - e.data.onset) * 1000;
    samples.push({ kind: 'audio', sender, track: trackNo, latencyMs: toneDelayMs(at), at });
  };
  track.addEventListener('ended', () => {
    source.disconnect();
    detector.disconnect();
    sink.remove();
  });
}

function watchTrack(track: MediaStreamTrack): void {
  const trackNo = ++trackCount;
  if (track.kind === 'video') watchVideo(track, trackNo);
  else watchAudio(track, trackNo).catch((err) => console.error(`latency probe: ${String(err)}`));
}

const NativePeerConnection = window.RTCPeerConnection;
class ProbedPeerConnection extends NativePeerConnection {
  constructor(configuration?: RTCConfiguration) {
    super(configuration);
    this.addEventListener('track', (e) => watchTrack(e.track));
  }
}
window.RTCPeerConnection = ProbedPeerConnection;

window.consultaLatencyProbe = {
  config,
  setHold(ms) {
    holdMs = ms;
  },
  samples: () => samples,
  clear() {
    samples = [];
    unreadable = 0;
  },
  unreadable: () => unreadable,
  watchSelf() {
    watchVideo(probeCamera().getVideoTracks()[0]!.clone(), 0);
    watchAudio(probeMicrophone().getAudioTracks()[0]!.clone(), 0).catch((err) =>
      console.error(`latency probe: ${String(err)}`),
    );
  },
};
