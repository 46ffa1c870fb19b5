// A watch on the server's mediasoup objects through mediasoup's own observer: the tests run the server in their
// own process, so every worker, router and transport it creates is seen without a hook in the app.
import type { types } from 'mediasoup';
import * as mediasoup from 'mediasoup';

/** Every mediasoup worker, router and transport the server creates from now on. */
export class MediasoupWatch {
  readonly workers: types.Worker[] = [];
  readonly routers: Array<{ router: types.Router; worker: types.Worker }> = [];
  readonly transports: types.Transport[] = [];
  /** The worker each transport lives on. */
  readonly workerOf = new Map<types.Transport, types.Worker>();

  constructor() {
    mediasoup.observer.on('newworker', (worker) => {
      this.workers.push(worker);
      worker.observer.on('newrouter', (router) => {
        this.routers.push({ router, worker });
        router.observer.on('newtransport', (t) => {
          this.transports.push(t);
          this.workerOf.set(t, worker);
        });
      });
    });
  }

  liveWorkers(): types.Worker[] {
    return this.workers.filter((w) => !w.closed && !w.died);
  }

  liveRouters(): types.Router[] {
    return this.routers.filter((r) => !r.router.closed).map((r) => r.router);
  }

  liveTransports(type: types.Transport['type']): types.Transport[] {
    return this.transports.filter((t) => !t.closed && t.type === type);
  }

  /** The WebRtcTransports created so far (those clients connect to). */
  webRtcTransports(): types.WebRtcTransport[] {
    return this.transports.filter((t): t is types.WebRtcTransport => t.type === 'webrtc');
  }
}
