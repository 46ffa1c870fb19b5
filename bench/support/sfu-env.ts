// The environment a namespaced browser run with the SFU needs: the test profile, and the offline-built worker
// (bench/run.ts finds it and sets MEDIASOUP_WORKER_BIN, as scripts/run-tests.mjs does for the tests).
export function sfuRunEnv(): Record<string, string> {
  const bin = process.env.MEDIASOUP_WORKER_BIN;
  if (!bin) throw new Error('MEDIASOUP_WORKER_BIN is not set: run the SFU benches through bench/run.ts');
  return { NODE_ENV: 'test', MEDIASOUP_WORKER_BIN: bin };
}
