// Client networks for the compose stack's browser call: one network namespace per browser, each joined to the
// host by a veth pair. The host end of the first pair carries the address the stack publishes its ports on (the
// "public" address of the test's deployment), from 198.18.0.0/15 (RFC 2544 benchmarking: never routed, and not in
// coturn's denied peer ranges, unlike loopback and the private ranges). Each namespace's firewall is a restrictive
// hospital network: out only TCP to the site's HTTPS port and to TURN over TLS, so WebRTC can connect only
// through coturn's TLS listener.
import { randomInt } from 'node:crypto';
import { inNetns, run, tryRun } from '../support/netlab/exec.ts';

export interface ClientNetworks {
  /** The host address the stack publishes on (Caddy, coturn, the SFU). */
  readonly publicAddress: string;
  /** The namespaces browsers run in, in the order asked for. */
  readonly namespaces: readonly string[];
  /** Opens the firewall of every namespace to exactly these TCP ports on publicAddress. */
  allowOnly(tcpPorts: number[]): Promise<void>;
  remove(): Promise<void>;
}

export async function createClientNetworks(count: number): Promise<ClientNetworks> {
  const existing = (await run('ip', ['-o', 'addr', 'show'])).stdout;
  let third = 0;
  for (let attempt = 0; attempt < 50 && third === 0; attempt++) {
    const n = randomInt(20, 250);
    if (!existing.includes(`198.18.${n}.`)) third = n;
  }
  if (third === 0) throw new Error('no free 198.18.x.0/24 on this host');
  const id = `cc${process.pid.toString(36)}`;
  const namespaces: string[] = [];
  const hostLinks: string[] = [];
  const publicAddress = `198.18.${third}.1`;
  const remove = async () => {
    for (const link of hostLinks) await tryRun('ip', ['link', 'del', link]);
    for (const ns of namespaces) await tryRun('ip', ['netns', 'del', ns]);
  };
  try {
    for (let k = 0; k < count; k++) {
      const ns = `${id}-${k}`;
      const hostLink = `${id}h${k}`;
      // A /30 per client: .4k+1 the host, .4k+2 the client.
      const hostAddress = `198.18.${third}.${4 * k + 1}`;
      const clientAddress = `198.18.${third}.${4 * k + 2}`;
      await run('ip', ['netns', 'add', ns]);
      namespaces.push(ns);
      await run('ip', ['link', 'add', hostLink, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      hostLinks.push(hostLink);
      await run('ip', ['addr', 'add', `${hostAddress}/30`, 'dev', hostLink]);
      await run('ip', ['link', 'set', hostLink, 'up']);
      await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      await run('ip', ['-n', ns, 'addr', 'add', `${clientAddress}/30`, 'dev', 'eth0']);
      await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      await run('ip', ['-n', ns, 'route', 'add', 'default', 'via', hostAddress]);
    }
  } catch (err) {
    await remove();
    throw err;
  }
  return {
    publicAddress,
    namespaces,
    async allowOnly(tcpPorts) {
      const ruleset = `table inet hospital {
  chain output {
    type filter hook output priority filter; policy drop;
    oif "lo" accept
    ct state established,related accept
    ip daddr ${publicAddress} tcp dport { ${tcpPorts.join(', ')} } accept
  }
  chain input {
    type filter hook input priority filter; policy drop;
    iif "lo" accept
    ct state established,related accept
  }
}
`;
      for (const ns of namespaces) await inNetns(ns, 'nft', ['-f', '-'], ruleset);
    },
    remove,
  };
}
