// What ops put in front of a cluster's nodes (the reverse proxy / load balancer), as small as a test needs: one
// address for the browser, each new TCP connection forwarded to the first backend, in the order given, that
// accepts it. While a node is down its port refuses connections, so new ones go to the next node; connections
// already forwarded to a node that dies break with it (as through a real balancer), and the page's reconnect then
// reaches a live node under the same URL. A route by the first request's path can send a connection elsewhere
// (the test page's static files, as a proxy serves static assets itself). With one backend it is a plain relay,
// which can be cut: a link that stops carrying what one side sends (a partition), for a node's link to Redis.
import net from 'node:net';

export interface Backend {
  host: string;
  port: number;
}

export interface TcpBalancer {
  /** http://127.0.0.1:<port>: the one URL the pages use. */
  url: string;
  /**
   * From now on nothing the clients of the connections open now send is forwarded (it waits unread); what comes
   * back still arrives. The sender cannot tell: its writes succeed, no reply comes.
   */
  cut(): void;
  /** Closes every connection that was cut, dropping what waited in them: none of it ever arrives. */
  heal(): void;
  close(): Promise<void>;
}

/** `http://host:port` (a node's URL) as a backend. */
export function backendOf(url: string): Backend {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
}

export async function startTcpBalancer(options: {
  /** Tried in this order for every new connection. */
  backends: Backend[];
  /**
   * A connection whose first request's path starts with `prefix` goes to `backend` instead. That server must answer
   * with `Connection: close`, so the browser never reuses the connection for another path.
   */
  byPath?: { prefix: string; backend: Backend };
}): Promise<TcpBalancer> {
  const open = new Set<net.Socket>();
  /** Client -> upstream of every forwarded connection. */
  const forwarded = new Map<net.Socket, net.Socket>();
  const cut = new Set<net.Socket>();
  const server = net.createServer((client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    // The request line arrives in the first chunk (browsers send it at once); it picks the route.
    client.once('readable', () => {
      const first: Buffer | null = client.read();
      if (!first) {
        client.destroy();
        return;
      }
      const path = /^[A-Z]+ (\S+) HTTP\//.exec(first.subarray(0, 2048).toString('latin1'))?.[1] ?? '';
      const targets =
        options.byPath && path.startsWith(options.byPath.prefix)
          ? [options.byPath.backend]
          : options.backends;
      connectFirst(targets, (upstream) => {
        if (!upstream) {
          client.destroy();
          return;
        }
        open.add(upstream);
        upstream.once('close', () => open.delete(upstream));
        forwarded.set(client, upstream);
        client.once('close', () => forwarded.delete(client));
        upstream.write(first);
        client.pipe(upstream);
        upstream.pipe(client);
        // Either side ending or breaking ends the other: a killed node's connections break at the browser too.
        upstream.on('error', () => client.destroy());
        upstream.once('close', () => client.destroy());
        client.once('close', () => upstream.destroy());
        client.resume();
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    cut() {
      for (const [client, upstream] of forwarded) {
        client.unpipe(upstream);
        client.pause();
        cut.add(client);
      }
    },
    heal() {
      for (const client of cut) {
        forwarded.get(client)?.destroy();
        client.destroy();
      }
      cut.clear();
    },
    async close() {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Connects to the first of `targets` that accepts (null when none does). */
function connectFirst(targets: Backend[], done: (socket: net.Socket | null) => void, i = 0): void {
  const target = targets[i];
  if (!target) {
    done(null);
    return;
  }
  const socket = net.connect(target.port, target.host);
  const refused = () => {
    socket.destroy();
    connectFirst(targets, done, i + 1);
  };
  socket.once('error', refused);
  socket.once('connect', () => {
    socket.off('error', refused);
    done(socket);
  });
}
