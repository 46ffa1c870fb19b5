// Debian's Firefox ESR driven by puppeteer-core over WebDriver BiDi (no downloaded browser builds; playwright can
// only drive its own patched Firefox), with fake camera and microphone and WebRTC allowed on loopback, for the
// browser tests' loopback-only network namespace (tests/support/chromium.ts runs them there).
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** The prefs a headless Firefox needs to join a call on loopback with fake devices; each says why. */
export const FIREFOX_PREFS: Readonly<Record<string, unknown>> = {
  // Fake camera (a colour-cycling frame) and microphone (a tone) instead of real devices, with no prompt.
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  // Granted camera and microphone permissions: without them Firefox hides host candidates (it gathers none in a
  // loopback-only namespace, since the only host address is 127.0.0.1).
  'permissions.default.camera': 1,
  'permissions.default.microphone': 1,
  // Loopback candidates are off by default; the namespace has nothing else. Plain host addresses, not mDNS names.
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  // Remote media plays without a user gesture (the page's <video> elements autoplay).
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  // Quiet: no update checks, telemetry or first-run pages reaching for a network the namespace does not have.
  'app.update.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  // No OpenH264 download attempt (there is no network): Firefox here negotiates VP8/VP9/AV1 only.
  'media.gmp-manager.updateEnabled': false,
  'media.gmp-gmpopenh264.autoupdate': false,
};

export async function launchFirefox(options: { timeoutMs?: number } = {}): Promise<Browser> {
  if (!existsSync(FIREFOX_PATH)) {
    throw new Error(
      `no Firefox at ${FIREFOX_PATH}; install it: apt-get install -y firefox-esr (scripts/setup.sh test)`,
    );
  }
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    protocol: 'webDriverBiDi',
    headless: true,
    timeout: options.timeoutMs ?? 60_000,
    extraPrefsFirefox: { ...FIREFOX_PREFS },
  });
}
