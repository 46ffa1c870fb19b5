// A tree relay's tab crashes in a group consultation in real Chromium (its renderer process dies, DevTools
// `Page.crash`; Chromium closes the page's socket with 1001 on its behalf): a page that is gone relays nothing, so
// the room is replanned without it as a relay at once (a socket that merely dropped would get
// signaling.relayLossSeconds first). The scenario is relay-dies.ts; runs in a loopback-only network namespace.
import { groupCallTest } from './fixture-group-call.ts';
import { relayDies } from './relay-dies.ts';

groupCallTest(
  import.meta.url,
  { what: 'a tree relay crashes', title: '3-person call over peer trees whose relay crashes' },
  "a crashed relay's orphans hear its forwarded stream again within seconds; nobody sees a leave",
  (call, t) => relayDies(call, t, { verb: 'crashed', die: 'crash' }),
);
