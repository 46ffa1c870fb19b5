// The network lab's public face: namespaces with NAT, firewalls, shaped and lossy links (lab.ts), the profiles
// table (profiles.ts), Chromium inside a participant's namespace (browser.ts), the server + coturn on the lab's
// public side (call-server.ts), consultations between lab browsers (call.ts), and the runner that puts a test
// file into a lab of its own and always tears it down (runner.ts). See docs/network-lab.md.
export { type LabBrowser, type LabBrowserOptions, launchLabChromium } from './browser.ts';
export { api, LabCall, type LabParticipant, type PrepareContext, sleep, waitFor } from './call.ts';
export { type LabServer, startLabServer } from './call-server.ts';
export { LAB_ADDRESSES, LAB_ENV, type LabHost, labId, NetLab, removeLabNamespaces } from './lab.ts';
export { labSuite } from './lab-suite.ts';
export type { ConnectionPair, LabStartOptions, ReceivedMedia } from './page/app.ts';
export { type LinkProfile, type NatKind, PROFILES, type ProfileName, profileOf } from './profiles.ts';
export { assertLabRunPasses, type LabRunResult, runInLab, specSummary } from './runner.ts';
export { type LabCertificates, makeCertificates } from './tls.ts';
