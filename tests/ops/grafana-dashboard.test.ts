// The Grafana dashboard (infra/grafana) queries only metrics the server really exports, so a renamed metric
// cannot leave a panel silently empty.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot } from '../../apps/server/src/config/index.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.close();
});

test('every metric the dashboard queries is exported by /metrics', async () => {
  const dashboard = JSON.parse(
    readFileSync(path.join(repoRoot, 'infra/grafana/consulta-dashboard.json'), 'utf8'),
  );
  const queried = new Set<string>();
  for (const panel of dashboard.panels as Array<{ targets: Array<{ expr: string }> }>) {
    for (const t of panel.targets) for (const m of t.expr.matchAll(/\bconsulta_[a-z_]+/g)) queried.add(m[0]);
  }
  assert.ok(queried.size >= 10, `the dashboard queries ${queried.size} metrics`);
  const exported = new Set(
    [...(await (await fetch(`${server.url}/metrics`)).text()).matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!),
  );
  // A counter `x` is queried as `x_total`, the name of its samples.
  const missing = [...queried].filter((q) => !exported.has(q) && !exported.has(q.replace(/_total$/, '')));
  assert.deepEqual(missing, []);
});
