// Chat lines this page sent that the room has not echoed yet. A signaling socket can take a line and still lose
// it: its network died before the server read it, or its server node was draining. Each line carries an id and
// waits here until the server's echo names it; after every join (a resume on another node, a fresh join) what
// is still waiting goes again. A resend can deliver a line twice (the first copy arrived, only its echo was
// lost), so every receiver drops an id it has seen from that sender.

export interface ChatLine {
  id: string;
  text: string;
}

/** Ids remembered per page to drop repeats: far more than a resend can repeat. */
const SEEN_KEPT = 1000;

export class ChatOutbox {
  private readonly waiting = new Map<string, string>();
  private readonly seen = new Set<string>();

  constructor(
    private readonly o: {
      /** Hands a line to the socket; false when there is no open socket (it waits for the next join). */
      send(line: ChatLine): boolean;
      /** The waiting lines changed. */
      changed(waiting: ChatLine[]): void;
      newId?: () => string;
    },
  ) {}

  get pending(): ChatLine[] {
    return [...this.waiting].map(([id, text]) => ({ id, text }));
  }

  /** Sends a line now if the socket is open; it waits for its echo either way. */
  post(text: string): string {
    const id = (this.o.newId ?? randomId)();
    this.waiting.set(id, text);
    this.o.changed(this.pending);
    this.o.send({ id, text });
    return id;
  }

  /** After a join: every line without an echo goes again, in the order typed. */
  resend(): void {
    for (const line of this.pending) this.o.send(line);
  }

  /**
   * A line from the room (ours echoed, or someone's). False when it repeats one already seen, so the caller drops
   * it. Lines without an id (older clients) always pass.
   */
  accept(from: string, id: string | undefined, self: string | undefined): boolean {
    if (id === undefined) return true;
    const key = `${from}\u0000${id}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    if (this.seen.size > SEEN_KEPT) this.seen.delete(this.seen.values().next().value!);
    if (from === self && this.waiting.delete(id)) this.o.changed(this.pending);
    return true;
  }

  /** The call is over: nothing more will be sent. */
  clear(): void {
    if (this.waiting.size === 0) return;
    this.waiting.clear();
    this.o.changed([]);
  }
}

/**
 * 16 random hex digits. `crypto.getRandomValues` rather than `randomUUID`, which only exists in secure contexts,
 * and ids need only be unique per sender, not secret.
 */
function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
