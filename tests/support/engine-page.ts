/// <reference lib="dom" />
// The page side every call-engine test page shares (the call fixture, the SFU fixture and the network lab page,
// each bundled by esbuild for the browser): the API called with the page's cookies, a running log shown in
// #status, and what every page does with its CallEngine (state, waiting room and connection states logged, the
// waiting room and errors kept), with the harness methods built on them.

import type { Plan } from '@consulta/protocol';
import type {
  CallEngine,
  EngineError,
  EngineState,
  NegotiationEvent,
} from '../../packages/call-engine/src/index.ts';

/** A completed offer/answer exchange on one of the page's connections, and when (epoch ms). */
export type Negotiation = NegotiationEvent & { at: number };

/** A request to the server, same origin, with the page's cookies; the body parsed as JSON (null when empty). */
export async function pageApi(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** A <video> for a remote stream: plays by itself, silent (audio is metered, not heard), inline. */
export function mutedVideo(): HTMLVideoElement {
  const video = document.createElement('video');
  video.autoplay = true;
  video.muted = true;
  video.playsInline = true;
  return video;
}

export class EnginePage {
  engine: CallEngine | null = null;
  lobby: string[] = [];
  readonly errors: EngineError[] = [];
  readonly lines: string[] = [];
  readonly negotiations: Negotiation[] = [];
  private readonly statusEl = document.getElementById('status')!;

  /** `shownLines`: how many of the newest log lines #status shows. */
  constructor(private readonly shownLines: number) {}

  readonly log = (line: string): void => {
    this.lines.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    this.statusEl.textContent = this.lines.slice(-this.shownLines).join('\n');
  };

  /** Makes `engine` the page's: its state, waiting room and connection states logged, its errors kept. */
  use(engine: CallEngine): CallEngine {
    this.engine = engine;
    engine.on('state', (s) => this.log(`state ${s}`));
    engine.on('lobby', (waiting) => {
      this.lobby = waiting.map((p) => p.id);
      this.log(`lobby ${this.lobby.join(',')}`);
    });
    engine.on('connection-state', (e) => this.log(`${e.role} ${e.peerId.slice(0, 8)} ${e.state}`));
    engine.on('negotiation', (e) => {
      this.negotiations.push({ ...e, at: Date.now() });
      if (e.count > 1) this.log(`${e.role} ${e.peerId.slice(0, 8)} renegotiated (${e.count})`);
    });
    engine.on('error', (e) => {
      this.errors.push(e);
      this.log(`error ${e.code}: ${e.message}`);
    });
    return engine;
  }

  /** The harness methods every page offers the tests. */
  harness() {
    return {
      api: pageApi,
      admit: (participantId: string): void => this.engine?.admit(participantId),
      leave: (): void => this.engine?.leave(),
      state: (): EngineState | 'none' => this.engine?.state ?? 'none',
      selfId: (): string | null => this.engine?.self?.id ?? null,
      lobbyIds: (): string[] => this.lobby,
      /** The plan in force (null before joining). */
      plan: (): Plan | null => this.engine?.currentPlan ?? null,
      errors: (): EngineError[] => this.errors,
      /** Offer/answer exchanges completed since `since` (epoch ms); `count` > 1 is a renegotiation. */
      negotiationsSince: (since: number): Negotiation[] => this.negotiations.filter((n) => n.at >= since),
      /** The signaling state of each of the engine's peer connections ('stable' once nothing is left unanswered). */
      signalingStates: (): RTCSignalingState[] =>
        (this.engine?.connections() ?? []).map((c) => c.pc.signalingState),
      log: (): string[] => this.lines,
    };
  }
}

/** What every test page's harness offers (its own interface extends this with the page's own methods). */
export type EngineHarness = ReturnType<EnginePage['harness']>;
