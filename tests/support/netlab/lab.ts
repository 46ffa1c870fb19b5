// The network lab: Linux network namespaces built by the test itself. The process that creates a NetLab must run
// in a namespace of its own (runInLab re-executes a test file under `unshare --net`): that namespace is the
// lab's "public internet", holding the server, coturn and the SFU on a bridge. Each participant gets a home
// router namespace (NAT, firewall, shaping, loss) and a client namespace behind it where its browser runs:
//
//   client ns  eth0 198.18.k.2/24 ──veth── lan0 198.18.k.1/24  router ns  wan0 198.19.1.k/16 ──veth── br0 (public)
//                                         (tbf: downlink)                (tbf: uplink, NAT)      198.19.0.1 app+SFU
//                                                                                                198.19.0.2 coturn
// Only addresses from 198.18.0.0/15 exist in the lab and nothing links it to the host's interfaces.
import { readdirSync } from 'node:fs';
import { inNetns, run, tryRun } from './exec.ts';
import { type LinkProfile, type ProfileName, profileOf } from './profiles.ts';

/** Set by runInLab in the environment of the process it starts inside the lab's public namespace. */
export const LAB_ENV = 'CONSULTA_NETLAB_ID';

export const LAB_ADDRESSES = Object.freeze({
  /** The Consulta server (HTTP on 80) and the SFU. */
  app: '198.19.0.1',
  /** coturn (UDP/TCP 3478, TLS and TCP on 443). */
  turn: '198.19.0.2',
});

const SINK_GATEWAY = '198.19.255.254';

const EGRESS_COUNTERS = `table inet lab_egress {
  counter sfu {}
  counter turn {}
  chain output {
    type filter hook output priority filter; policy accept;
    ip saddr ${'198.19.0.1'} meta l4proto udp counter name "sfu"
    ip saddr ${'198.19.0.2'} counter name "turn"
  }
}
`;

/** The lab id of this process when it runs inside a lab's public namespace, else null. */
export function labId(): string | null {
  const id = process.env[LAB_ENV];
  return id && /^nl[0-9a-z]{1,9}$/.test(id) ? id : null;
}

export interface LabHost {
  /** Name given by the test (e.g. 'patient'). */
  readonly name: string;
  readonly clientNs: string;
  readonly routerNs: string;
  /** The client's own (private) address. */
  readonly clientAddress: string;
  /** The router's public address: what the server and peers see with NAT. */
  readonly publicAddress: string;
  readonly profile: LinkProfile;
  /** Changes shaping, loss, firewall and NAT on the fly (a profile can change mid-call). */
  setProfile(profile: ProfileName | LinkProfile): Promise<void>;
  /** false drops everything the router would forward, both ways, until set true again. */
  setLinkUp(up: boolean): Promise<void>;
  /** Runs a command inside the client namespace. */
  exec(cmd: string, args: readonly string[]): ReturnType<typeof run>;
}

export class NetLab {
  private readonly hosts: LabHost[] = [];
  private closed = false;

  private constructor(readonly id: string) {}

  /** Builds the public side in the current (lab-only) namespace. Refuses to run anywhere else. */
  static async create(): Promise<NetLab> {
    const id = labId();
    if (!id) throw new Error(`netlab: not inside a lab namespace (${LAB_ENV} unset); use runInLab()`);
    await assertIsolatedNamespace();
    const lab = new NetLab(id);
    await run('ip', ['link', 'set', 'lo', 'up']);
    // A bridge takes the lowest MAC among its ports unless given one: each host's port would otherwise change
    // the public side's MAC under the routers' ARP entries.
    await run('ip', ['link', 'add', 'br0', 'address', '02:00:00:00:01:00', 'type', 'bridge']);
    await run('ip', ['addr', 'add', `${LAB_ADDRESSES.app}/16`, 'dev', 'br0']);
    await run('ip', ['addr', 'add', `${LAB_ADDRESSES.turn}/16`, 'dev', 'br0']);
    await run('ip', ['link', 'set', 'br0', 'up']);
    // Like the internet, the public side drops what it cannot deliver (a peer's private address) silently: a
    // send error there would make coturn close the allocation it came from.
    // (No dummy interfaces in this kernel: a veth pair whose far end discards what arrives, via a gateway with
    // a fixed MAC so no ARP failure reports an error either.)
    await run('ip', ['link', 'add', 'sink0', 'type', 'veth', 'peer', 'name', 'sink1']);
    await run('ip', ['link', 'set', 'sink0', 'up']);
    await run('ip', ['link', 'set', 'sink1', 'up']);
    await run('ip', [
      'neigh',
      'add',
      SINK_GATEWAY,
      'lladdr',
      '02:00:00:00:00:01',
      'dev',
      'sink0',
      'nud',
      'permanent',
    ]);
    await run('ip', ['route', 'add', 'default', 'via', SINK_GATEWAY, 'dev', 'sink0', 'onlink']);
    // Platform egress: what the SFU (app address, UDP and TCP media) and coturn send, counted as it leaves.
    await run('nft', ['-f', '-'], EGRESS_COUNTERS);
    return lab;
  }

  /** Adds a participant's router and client namespaces behind `profile`. */
  async addHost(name: string, profile: ProfileName | LinkProfile): Promise<LabHost> {
    if (this.closed) throw new Error('netlab: closed');
    const k = this.hosts.length + 1;
    if (k > 250) throw new Error('netlab: at most 250 hosts');
    const routerNs = `${this.id}-r${k}`;
    const clientNs = `${this.id}-c${k}`;
    const clientAddress = `198.18.${k}.2`;
    const publicAddress = `198.19.1.${k}`;
    const port = `nlh${k}`;
    await run('ip', ['netns', 'add', routerNs]);
    await run('ip', ['netns', 'add', clientNs]);
    for (const ns of [routerNs, clientNs]) {
      await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      await withoutIpv6((cmd, args) => inNetns(ns, cmd, args));
    }
    // Client <-> router (the home LAN).
    await run('ip', [
      '-n',
      routerNs,
      'link',
      'add',
      'lan0',
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      clientNs,
    ]);
    await run('ip', ['-n', routerNs, 'addr', 'add', `198.18.${k}.1/24`, 'dev', 'lan0']);
    await run('ip', ['-n', clientNs, 'addr', 'add', `${clientAddress}/24`, 'dev', 'eth0']);
    await run('ip', ['-n', routerNs, 'link', 'set', 'lan0', 'up']);
    await run('ip', ['-n', clientNs, 'link', 'set', 'eth0', 'up']);
    await run('ip', ['-n', clientNs, 'route', 'add', 'default', 'via', `198.18.${k}.1`]);
    // Router <-> the public bridge.
    await run('ip', ['link', 'add', port, 'type', 'veth', 'peer', 'name', 'wan0', 'netns', routerNs]);
    await run('ip', ['link', 'set', port, 'master', 'br0']);
    await run('ip', ['link', 'set', port, 'up']);
    await run('ip', ['-n', routerNs, 'addr', 'add', `${publicAddress}/16`, 'dev', 'wan0']);
    await run('ip', ['-n', routerNs, 'link', 'set', 'wan0', 'up']);
    // Everything not on the public segment (another home's private LAN) goes to the public side, which does not
    // forward it: lost without an error, as on the internet.
    await run('ip', ['-n', routerNs, 'route', 'add', 'default', 'via', LAB_ADDRESSES.app]);
    await inNetns(routerNs, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);

    let current = profileOf(profile);
    const host: LabHost = {
      name,
      clientNs,
      routerNs,
      clientAddress,
      publicAddress,
      get profile() {
        return current;
      },
      setProfile: async (p) => {
        current = profileOf(p);
        await applyProfile(routerNs, current);
      },
      setLinkUp: (up) => setLinkUp(routerNs, up),
      exec: (cmd, args) => inNetns(clientNs, cmd, args),
    };
    this.hosts.push(host);
    await applyProfile(routerNs, current);
    return host;
  }

  /** Bytes sent so far by the SFU's address (UDP) and by coturn (everything), from the public side. */
  async egressBytes(): Promise<{ sfu: number; turn: number }> {
    const { stdout } = await run('nft', ['-j', 'list', 'table', 'inet', 'lab_egress']);
    const counters: Record<string, number> = {};
    for (const item of (JSON.parse(stdout) as { nftables: Array<Record<string, unknown>> }).nftables) {
      const counter = item.counter as { name?: string; bytes?: number } | undefined;
      if (counter?.name) counters[counter.name] = counter.bytes ?? 0;
    }
    return { sfu: counters.sfu ?? 0, turn: counters.turn ?? 0 };
  }

  /** Deletes every namespace of this lab (its processes' sockets die with them). Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    await removeLabNamespaces(this.id);
  }
}

/** Deletes leftover namespaces of lab `id` (the runner calls this after its child, whatever happened). */
export async function removeLabNamespaces(id: string): Promise<void> {
  let names: string[] = [];
  try {
    names = readdirSync('/run/netns').filter((n) => n.startsWith(`${id}-`));
  } catch {
    return;
  }
  for (const ns of names) {
    // Processes still inside (a browser that did not exit) would keep the namespace alive; end them first.
    const pids = await run('ip', ['netns', 'pids', ns]).catch(() => ({ stdout: '' }));
    for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone
      }
    }
    await tryRun('ip', ['netns', 'del', ns]);
  }
}

/** The lab must never touch the host's network: its namespace may hold nothing but loopback (and our bridge). */
async function assertIsolatedNamespace(): Promise<void> {
  const { stdout } = await run('ip', ['-o', 'link', 'show']);
  const names = stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1] ?? '');
  const foreign = names.filter((n) => n !== 'lo');
  if (foreign.length > 0) {
    throw new Error(
      `netlab: this namespace has interfaces (${foreign.join(', ')}); the lab needs a fresh one`,
    );
  }
}

async function applyProfile(routerNs: string, p: LinkProfile): Promise<void> {
  // Uplink on the router's way out, downlink on its way into the home LAN: a TBF each, its queue bounded in time.
  await shape(routerNs, 'wan0', p.upKbps, p.queueMs);
  await shape(routerNs, 'lan0', p.downKbps, p.queueMs);
  const nat = p.nat === 'symmetric' ? 'masquerade random' : 'masquerade';
  const perMille = Math.round(p.lossPercent * 10);
  const ruleset = [
    replaceTable('ip lab_nat', [
      // Unsolicited packets from outside are dropped before conntrack confirms an entry for them: otherwise
      // a peer's early connectivity check would occupy the tuple and push our own later mapping to another port
      // (a NAT that is endpoint-independent would then behave as a symmetric one).
      'chain prerouting {',
      '  type filter hook prerouting priority mangle; policy accept;',
      '  iifname "wan0" ct state new drop',
      '}',
      'chain postrouting {',
      '  type nat hook postrouting priority srcnat; policy accept;',
      `  oifname "wan0" ${nat}`,
      '}',
    ]),
    replaceTable('inet lab_filter', [
      'chain forward {',
      '  type filter hook forward priority filter; policy accept;',
      // The hospital: only new TCP connections to 80/443 leave, and answers to them come back.
      ...(p.udpBlocked
        ? [
            '  ct state established,related accept',
            '  iifname "lan0" tcp dport { 80, 443 } accept',
            '  iifname "lan0" drop',
            '  iifname "wan0" drop',
          ]
        : []),
      // netem is not available here, so loss is a random drop of the given share of forwarded packets.
      ...(perMille > 0 ? [`  numgen random mod 1000 < ${perMille} drop`] : []),
      '}',
    ]),
  ].join('\n');
  await inNetns(routerNs, 'nft', ['-f', '-'], ruleset);
}

async function setLinkUp(routerNs: string, up: boolean): Promise<void> {
  // A link that is down forwards nothing; its routes, addresses and NAT mappings stay (as after a radio drop).
  const ruleset = up
    ? 'table inet lab_down\ndelete table inet lab_down\n'
    : replaceTable('inet lab_down', [
        'chain forward {',
        '  type filter hook forward priority -100; policy drop;',
        '}',
      ]);
  await inNetns(routerNs, 'nft', ['-f', '-'], ruleset);
}

/**
 * The lab is IPv4 only. With IPv6 on, a fresh interface's link-local address finishes duplicate address detection
 * a second or two after it comes up; Chromium takes that for a network change and fails every request in flight
 * with ERR_NETWORK_CHANGED (seen as "Failed to fetch" on the first invite of most lab calls). Set in the hosts'
 * router and client namespaces before any interface exists there, so none of them gets an IPv6 address at all.
 */
async function withoutIpv6(exec: (cmd: string, args: string[]) => Promise<unknown>): Promise<void> {
  await exec('sysctl', [
    '-q',
    '-w',
    'net.ipv6.conf.all.disable_ipv6=1',
    'net.ipv6.conf.default.disable_ipv6=1',
  ]);
}

/** An nft script that replaces `table` atomically (declaring it first makes the delete valid when it is new). */
function replaceTable(table: string, body: string[]): string {
  return [
    `table ${table}`,
    `delete table ${table}`,
    `table ${table} {`,
    ...body.map((l) => `  ${l}`),
    '}',
    '',
  ].join('\n');
}

async function shape(ns: string, dev: string, kbps: number, queueMs: number): Promise<void> {
  // Burst: 5 ms worth of the rate, at least a few full-size packets, so TBF does not throttle below its rate.
  const burst = Math.max(8 * 1514, Math.round((kbps * 1000) / 8 / 200));
  await run('ip', [
    'netns',
    'exec',
    ns,
    'tc',
    'qdisc',
    'replace',
    'dev',
    dev,
    'root',
    'tbf',
    'rate',
    `${kbps}kbit`,
    'burst',
    String(burst),
    'latency',
    `${queueMs}ms`,
  ]);
}
