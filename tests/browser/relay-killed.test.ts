// A tree relay's whole browser is killed in a group consultation (its Chromium's main process SIGKILLed, as the
// operating system or a user kills a browser; every page runs in a Chromium process of its own): its socket ends
// without a close frame (1006), so the server gives it signaling.relayBrokenSeconds (0.5 s), not the 2 s a socket
// that merely dropped gets, before replanning without it as a relay. The scenario is relay-dies.ts; runs in a
// loopback-only network namespace.
import { groupCallTest } from './fixture-group-call.ts';
import { relayDies } from './relay-dies.ts';

groupCallTest(
  import.meta.url,
  {
    what: "a tree relay's browser is killed",
    title: "3-person call over peer trees whose relay's browser is killed",
    chromiumPerPage: true,
  },
  "a killed relay's orphans hear its forwarded stream again within seconds; nobody sees a leave",
  (call, t) => relayDies(call, t, { verb: 'killed', die: 'kill' }),
);
