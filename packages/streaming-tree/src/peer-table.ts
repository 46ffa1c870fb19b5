// Per-peer state shared by all trees, indexed by a small integer slot so the trees can use typed arrays
// (1000 peers x 1000 trees is a million edges; Maps of strings would dominate memory and time).

/** Upload slots and usage of every live peer. Slots of departed peers are reused. */
export class PeerTable {
  size = 0;
  ids: string[] = [];
  /** Fan-out limit: number of stream copies the peer can upload, summed over all trees. */
  capacity = new Int32Array(0);
  /** Copies currently uploaded (out-degree summed over all trees, own stream included). */
  load = new Int32Array(0);
  /** 1 when the peer may forward other senders' streams (it asked to and has enough slots). */
  relay = new Uint8Array(0);
  /** 1 when the peer asked to be allowed to relay (`TreePeer.relay`). */
  wantsRelay = new Uint8Array(0);
  /** Join order; the deterministic tie-break (older peers first). */
  seq = new Float64Array(0);
  uplink = new Float64Array(0);
  /** Live slots in join order. */
  live: number[] = [];
  /**
   * Relay-capable peers with a free slot (`hosts[0..hostCount)`, unordered): the only possible parents
   * besides a tree's own sender, so parent searches scan this instead of every peer.
   */
  hosts = new Int32Array(0);
  hostCount = 0;
  private hostIndex = new Int32Array(0);
  private readonly bySlotId = new Map<string, number>();
  private readonly freeSlots: number[] = [];
  private nextSeq = 0;

  constructor(
    private readonly bitrateKbps: number,
    private readonly minRelaySlots: number,
    private readonly onGrow: (size: number) => void,
  ) {}

  slotOf(id: string): number | undefined {
    return this.bySlotId.get(id);
  }

  spare(slot: number): number {
    return this.capacity[slot]! - this.load[slot]!;
  }

  add(id: string, uplinkKbps: number, relay: boolean): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      slot = this.ids.length;
      if (slot >= this.size) this.grow(Math.max(8, this.size * 2));
    }
    this.ids[slot] = id;
    this.bySlotId.set(id, slot);
    this.load[slot] = 0;
    this.seq[slot] = this.nextSeq++;
    this.wantsRelay[slot] = relay ? 1 : 0;
    this.setUplink(slot, uplinkKbps);
    this.live.push(slot);
    return slot;
  }

  remove(slot: number): void {
    this.bySlotId.delete(this.ids[slot]!);
    this.live.splice(this.live.indexOf(slot), 1);
    this.setHost(slot, false);
    this.capacity[slot] = 0;
    this.load[slot] = 0;
    this.freeSlots.push(slot);
  }

  setUplink(slot: number, uplinkKbps: number): void {
    const slots = Math.floor(Math.max(0, uplinkKbps) / this.bitrateKbps);
    this.uplink[slot] = uplinkKbps;
    this.capacity[slot] = slots;
    this.relay[slot] = this.wantsRelay[slot] === 1 && slots >= this.minRelaySlots ? 1 : 0;
    this.refreshHost(slot);
  }

  /** Changes a peer's upload count by `delta` copies. */
  addLoad(slot: number, delta: number): void {
    this.load[slot]! += delta;
    this.refreshHost(slot);
  }

  private refreshHost(slot: number): void {
    this.setHost(slot, this.relay[slot] === 1 && this.capacity[slot]! > this.load[slot]!);
  }

  private setHost(slot: number, host: boolean): void {
    const i = this.hostIndex[slot]!;
    if (host && i < 0) {
      this.hosts[this.hostCount] = slot;
      this.hostIndex[slot] = this.hostCount++;
    } else if (!host && i >= 0) {
      const last = this.hosts[--this.hostCount]!;
      this.hosts[i] = last;
      this.hostIndex[last] = i;
      this.hostIndex[slot] = -1;
    }
  }

  private grow(size: number): void {
    const copy = <T extends Int32Array | Uint8Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.capacity = copy(this.capacity, (n) => new Int32Array(n));
    this.load = copy(this.load, (n) => new Int32Array(n));
    this.relay = copy(this.relay, (n) => new Uint8Array(n));
    this.wantsRelay = copy(this.wantsRelay, (n) => new Uint8Array(n));
    this.seq = copy(this.seq, (n) => new Float64Array(n));
    this.uplink = copy(this.uplink, (n) => new Float64Array(n));
    this.hosts = copy(this.hosts, (n) => new Int32Array(n));
    const index = new Int32Array(size).fill(-1);
    index.set(this.hostIndex);
    this.hostIndex = index;
    this.size = size;
    this.onGrow(size);
  }
}
