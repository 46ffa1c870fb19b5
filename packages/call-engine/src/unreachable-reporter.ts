// Tells the server when a peer connection that was up loses connectivity (`peer-unreachable`), once per outage.
// The server cannot see peer-to-peer media: a tree relay whose network vanished keeps its signaling socket
// "open" until the heartbeat fails, 15-30 s during which its children receive nothing. Its neighbours see their
// connections to it go ICE-disconnected within seconds; enough of them agreeing sheds it at once.

export class UnreachableReporter {
  /** Per link key: up (connected since the last report) or reported (down, already said so). */
  private readonly links = new Map<string, 'up' | 'reported'>();

  constructor(private readonly report: (peerId: string) => void) {}

  /**
   * A link's connection state changed. `wanted`: the plan still needs it. One being retired (a replan moved
   * that stream elsewhere) goes down because the peer closed its end, which says nothing about the peer.
   */
  state(key: string, peerId: string, state: RTCPeerConnectionState, wanted: boolean): void {
    if (state === 'connected') this.links.set(key, 'up');
    else if (state === 'closed') this.links.delete(key);
    else if ((state === 'disconnected' || state === 'failed') && this.links.get(key) === 'up') {
      // A connection still being set up is not evidence either: it never reached the peer at all.
      this.links.set(key, 'reported');
      if (wanted) this.report(peerId);
    }
  }

  /** The link was closed by us: nothing more to report about it. */
  forget(key: string): void {
    this.links.delete(key);
  }
}
