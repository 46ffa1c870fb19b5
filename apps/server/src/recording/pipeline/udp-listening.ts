import { readdir, readFile, readlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 10;

/**
 * Waits until process `pid` has bound a UDP socket on every port in `ports`, as the kernel lists them (Linux:
 * /proc/net/udp for port -> socket inode, /proc/<pid>/fd for the process's sockets), so the consumer is resumed
 * only once FFmpeg can receive its first packets, the keyframe among them. A port held by another process does not
 * count. Gives up (false) after `timeoutMs` or as soon as `gaveUp()` says the process is gone; it always looks at
 * least once.
 */
export async function waitUntilBound(
  pid: number,
  ports: number[],
  timeoutMs: number,
  gaveUp: () => boolean,
): Promise<boolean> {
  const wanted = new Set(ports.map((p) => p.toString(16).toUpperCase().padStart(4, '0')));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gaveUp()) return false;
    // Checked before the deadline is: a poll that came late (this process was not scheduled, the machine stalled)
    // still looks once, instead of declaring a process that bound meanwhile not listening.
    if (await boundBy(pid, wanted)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

async function boundBy(pid: number, wanted: Set<string>): Promise<boolean> {
  const inodes = await socketInodesOnPorts(wanted);
  if (inodes.size !== wanted.size) return false;
  const own = await socketInodesOf(pid);
  return [...inodes.values()].every((inode) => own.has(inode));
}

/** Port (hex) -> inode of the UDP socket bound on it, for the wanted ports. */
async function socketInodesOnPorts(wanted: Set<string>): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const table = await readFile('/proc/net/udp', 'utf8');
  for (const line of table.split('\n').slice(1)) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
    const fields = line.trim().split(/\s+/);
    const port = fields[1]?.split(':')[1];
    if (port && wanted.has(port) && fields[9]) found.set(port, fields[9]);
  }
  return found;
}

async function socketInodesOf(pid: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  const dir = `/proc/${pid}/fd`;
  const fds = await readdir(dir).catch(() => [] as string[]);
  for (const fd of fds) {
    const target = await readlink(`${dir}/${fd}`).catch(() => '');
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match?.[1]) inodes.add(match[1]);
  }
  return inodes;
}
