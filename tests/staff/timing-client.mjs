// A client in a process of its own, for timing the server from outside: the test server, its embedded database and
// the SMTP capture share the test's event loop, so a request timed from inside would also count work the server
// does after its reply left (the reset email). Reads `<url> <json body>` lines, prints the milliseconds each took.
import { createInterface } from 'node:readline';

for await (const line of createInterface({ input: process.stdin })) {
  const space = line.indexOf(' ');
  const t0 = performance.now();
  const res = await fetch(line.slice(0, space), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: line.slice(space + 1),
  });
  await res.text();
  process.stdout.write(`${res.status} ${(performance.now() - t0).toFixed(2)}\n`);
}
