// The share of incoming media lost on the paths in use, over the last few polls: what a two-person call's
// routing needs to tell a direct path that loses video from one that does not (routing-policy's lossy-path.ts).
import { inboundDeltas, type Observation } from './link-evidence.ts';

/** Polls kept: at the reporter's 2 s poll, the last ~10 s. */
const WINDOW_POLLS = 5;
/** Fewer packets than this in the window say nothing (low quality at 15 fps is ~40 video packets a second). */
const MIN_PACKETS = 150;
/**
 * A poll losing more than this is a burst (an outage's gap, a moment's congestion), not a lossy path: random loss
 * of a few percent never comes near it over a poll's ~80 packets. Unless most polls do: then it is the path.
 */
const BURST_RATE = 0.2;

interface Counted {
  received: number;
  lost: number;
}

/** One poll's counts on one connection: video, and audio for when no video arrives. */
interface PollCounts {
  key: string;
  video: Counted;
  audio: Counted;
}

/**
 * Sliding window of received and lost packets (inbound-rtp counters, between consecutive polls of a
 * connection). Only connections still live count: after a switch, the old path's losses say nothing about the
 * new one, so the figure is unknown until the new path has carried enough. The window's worst poll is left out:
 * a link that was down for a moment shows its whole outage as lost in the one poll after it comes back (the
 * receiver counts the sequence gap), which says nothing about how lossy the path is while it works.
 */
export class ReceiveLoss {
  private readonly polls: PollCounts[][] = [];

  /**
   * Adds one poll. `counted` names the connections whose media should count this time (the caller leaves out
   * one still ramping up, and skips the whole poll while its own link probe fills the link).
   */
  add(
    current: ReadonlyMap<string, Observation>,
    previous: ReadonlyMap<string, Observation>,
    counted: (key: string) => boolean,
    live: ReadonlySet<string> = new Set(current.keys()),
  ): void {
    const poll: PollCounts[] = [];
    for (const [key, o] of current) {
      const p = previous.get(key);
      if (!p || !counted(key)) continue;
      const counts: PollCounts = { key, video: { received: 0, lost: 0 }, audio: { received: 0, lost: 0 } };
      // A late packet counted as lost before is taken back (packetsLost falls): the window's sum stays right.
      for (const d of inboundDeltas(o.media, p.media)) {
        const kind = d.kind === 'video' ? 'video' : 'audio';
        counts[kind] = add(counts[kind], d);
      }
      poll.push(counts);
    }
    this.polls.push(poll);
    if (this.polls.length > WINDOW_POLLS) this.polls.shift();
    for (let i = 0; i < this.polls.length; i++) this.polls[i] = this.polls[i]!.filter((c) => live.has(c.key));
  }

  /**
   * Percent lost (one decimal) over the window without its bursts and its worst poll, of video or else audio;
   * undefined when too little arrived (or fewer than three polls carried any).
   */
  percent(): number | undefined {
    for (const kind of ['video', 'audio'] as const) {
      const carried = this.polls
        .map((poll) => poll.reduce((t, c) => add(t, c[kind]), { received: 0, lost: 0 }))
        .filter((c) => c.received > 0);
      const steady = carried.filter((c) => rate(c) <= BURST_RATE);
      const polls = steady.length * 2 > carried.length ? steady : carried;
      if (polls.length < 3) continue;
      const worst = polls.reduce((w, c) => (rate(c) > rate(w) ? c : w));
      const kept = polls.filter((c) => c !== worst).reduce(add, { received: 0, lost: 0 });
      const lost = Math.max(0, kept.lost);
      if (kept.received + lost < MIN_PACKETS) continue;
      return Math.round((1000 * lost) / (kept.received + lost)) / 10;
    }
    return undefined;
  }
}

const add = (a: Counted, b: Counted): Counted => ({
  received: a.received + b.received,
  lost: a.lost + b.lost,
});
const rate = (c: Counted) => c.lost / (c.received + Math.max(0, c.lost));
