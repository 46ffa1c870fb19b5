// The call screen at phone (390x844) and laptop (1280x800) sizes, in real Chromium against the real server: the
// pre-call "Join consultation" button and the "Invitation sent" confirmation are on screen without scrolling, and in
// 1:1, 3- and 4-person calls every page, at both sizes, keeps its call controls inside the viewport and uncovered,
// its self view small, and its remote tiles on screen above the control bar. Screenshots of every state go to
// test-results/web-layout-*.png. Runs in a loopback-only namespace.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { GuestRole } from '@consulta/protocol';
import type { Locator, Page } from 'playwright-core';
import { namespacedSuite } from '../support/namespaced-suite.ts';
import { clinicianStarts, ensureWebBuild, PHONE, startWebEnv, type WebEnv } from './support.ts';

const thisFile = fileURLToPath(import.meta.url);
const LAPTOP = { width: 1280, height: 800 };
const SIZES = { phone: PHONE, laptop: LAPTOP } as const;

namespacedSuite(
  thisFile,
  { what: 'the call screen fits phones and laptops', passes: 1, prepare: ensureWebBuild },
  'the call screen at phone and laptop sizes',
  () => {
    let env: WebEnv;
    before(async () => {
      env = await startWebEnv();
    });
    after(async () => {
      await env?.close();
    });

    test('controls, self view and tiles fit the viewport in 1:1, 3- and 4-person calls', async (t) => {
      const doc = await clinicianStarts(env, 'Dr. Ana Ruiz', 'Knee follow-up');
      await doc.setViewportSize(LAPTOP);
      await shot(doc, 'clinician-alone-laptop');

      const guests: { page: Page; name: string }[] = [];
      const admit = async (name: string, email: string, role: GuestRole, size: keyof typeof SIZES) => {
        const link = await invite(doc, email, name, role);
        const page = await env.newPage(SIZES[size]);
        await page.goto(link);
        await page.getByTestId('page-precheck').waitFor();
        const join = page.getByRole('button', { name: 'Join consultation' });
        await page.waitForFunction(() => document.querySelector('video')?.srcObject != null);
        if (guests.length === 0) {
          // Before the first admission: the pre-call check at both sizes, its button on screen without scrolling.
          for (const [label, viewport] of Object.entries(SIZES)) {
            await page.setViewportSize(viewport);
            await assertOnScreen(page, join, `precheck ${label}: Join consultation`);
            await shot(page, `precheck-${label}`);
          }
          await page.setViewportSize(SIZES[size]);
        }
        await join.click();
        await page.getByText('You are in the waiting room').waitFor();
        await doc.getByRole('button', { name: `Admit ${name}` }).click();
        guests.push({ page, name });
      };

      const checkCall = async (people: number) => {
        const all = [{ page: doc, name: 'clinician' }, ...guests];
        for (const { page } of all) await remoteVideosPlaying(page, people - 1);
        for (const { page, name } of all) {
          const original = page.viewportSize() ?? LAPTOP;
          for (const [label, viewport] of Object.entries(SIZES)) {
            await page.setViewportSize(viewport);
            const what = `${people}-person call, ${name} on a ${label}`;
            await assertCallFits(page, what);
            await shot(page, `call${people}-${slug(name)}-${label}`);
            t.diagnostic(`${what}: fits`);
          }
          await page.setViewportSize(original);
        }
      };

      await admit('Sam Patient', 'sam@example.test', 'PATIENT', 'phone');
      await checkCall(2);
      await muteIsShownAndStopsSending(guests[0]?.page ?? doc, doc, 'p2p');
      await admit('Robin Family', 'robin@example.test', 'FAMILY', 'phone');
      await checkCall(3);
      await admit('Ines Interpreter', 'ines@example.test', 'INTERPRETER', 'laptop');
      await checkCall(4);
      // Four people go through the SFU or a tree, as the policy finds the links (both nullify every sender).
      const group = await groupTopology(doc);
      t.diagnostic(`4-person call on ${group}`);
      await muteIsShownAndStopsSending(guests[0]?.page ?? doc, doc, group);

      // The admin console shows the call live without any recording request: people by name and role, the route
      // and why, the running duration, the recording state.
      const account = await env.server.createStaff('ADMIN', 'Avery Admin');
      const admin = await env.newPage(LAPTOP);
      await admin.goto(`${env.url}/admin/`);
      await admin.getByLabel('Email').fill(account.email);
      await admin.getByLabel('Password').fill(account.password);
      await admin.getByRole('button', { name: 'Sign in' }).click();
      const card = admin.getByTestId('live-card').filter({ hasText: 'Knee follow-up' });
      await card.waitFor({ timeout: 60_000 });
      const people = (await card.getByRole('list').textContent()) ?? '';
      for (const who of [
        'Dr. Ana Ruiz (clinician)',
        'Sam Patient (patient)',
        'Robin Family (family)',
        'Ines Interpreter (interpreter)',
      ]) {
        assert.ok(people.includes(who), `${who} in: ${people}`);
      }
      assert.equal(await card.getByTestId('live-recording').textContent(), 'not recording');
      assert.match((await card.getByTestId('live-duration').textContent()) ?? '', /^\d+:\d\d$/);
      // The route the room is on (the policy may move it between tree and SFU as the links are measured).
      assert.match((await card.textContent()) ?? '', /(tree|sfu)/);
      t.diagnostic(`admin live card: ${await card.textContent()}`);
      await shot(admin, 'admin-live-laptop');
      await admin.setViewportSize(PHONE);
      await shot(admin, 'admin-live-phone');
    });

    const shot = (page: Page, name: string) => env.shot(page, `layout-${name}`);

    /** Invites through the clinician's form: the confirmation must be on screen without scrolling. */
    const invite = async (doc: Page, email: string, name: string, role: GuestRole): Promise<string> => {
      const form = doc.getByRole('form', { name: 'Invite someone' });
      await form.getByLabel('Email').fill(email);
      await form.getByLabel('Name').fill(name);
      await form.getByLabel('Role').selectOption(role);
      await form.getByRole('button', { name: 'Send invitation' }).click();
      const sent = doc.getByText(`Invitation sent to ${email}`);
      await sent.waitFor();
      await assertOnScreen(doc, sent, `"Invitation sent to ${email}"`);
      await shot(doc, `invitation-sent-${slug(name)}-laptop`);
      const mail = await env.smtp.nextMessage();
      const link = /(https?:\/\/\S+\/join#[A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1] ?? '';
      assert.ok(link.startsWith(`${env.url}/join#`), `invite link in: ${mail.text}`);
      return link;
    };
  },
);

const slug = (s: string) => s.toLowerCase().replace(/[^a-z]+/g, '-');

/** The element is inside the viewport as it is now (no scrolling) and nothing covers its middle. */
async function assertOnScreen(page: Page, locator: Locator, what: string): Promise<void> {
  const box = await locator.boundingBox();
  const vp = page.viewportSize();
  assert.ok(box && vp, `${what}: has a box`);
  assert.ok(
    box.x >= 0 && box.y >= 0 && box.x + box.width <= vp.width + 0.5 && box.y + box.height <= vp.height + 0.5,
    `${what}: inside the ${vp.width}x${vp.height} viewport, at ${JSON.stringify(box)}`,
  );
  const hit = await locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    return top !== null && (el === top || el.contains(top));
  });
  assert.ok(hit, `${what}: not covered by anything`);
}

async function assertCallFits(page: Page, what: string): Promise<void> {
  const vp = page.viewportSize() ?? LAPTOP;
  const bar = page.getByRole('toolbar', { name: 'Call controls' });
  for (const name of ['Mute', 'Camera off', 'Leave']) {
    await assertOnScreen(page, bar.getByRole('button', { name, exact: true }), `${what}: ${name}`);
  }
  const end = bar.getByRole('button', { name: 'End consultation' });
  if ((await end.count()) > 0) await assertOnScreen(page, end, `${what}: End consultation`);
  const barBox = await bar.boundingBox();
  assert.ok(barBox);
  // The self view: small (at most an eighth of the screen) and on screen.
  const self = page.getByTestId('local-tile');
  const selfBox = await self.boundingBox();
  assert.ok(selfBox, `${what}: self view shown`);
  assert.ok(
    selfBox.width * selfBox.height <= (vp.width * vp.height) / 8,
    `${what}: self view is small: ${JSON.stringify(selfBox)}`,
  );
  // Every remote tile on screen, above the control bar.
  for (const tile of await page.getByTestId('remote-tile').all()) {
    const box = await tile.boundingBox();
    assert.ok(box, `${what}: remote tile has a box`);
    assert.ok(
      box.y >= 0 && box.x >= 0 && box.x + box.width <= vp.width + 0.5 && box.y + box.height <= barBox.y + 0.5,
      `${what}: remote tile ${JSON.stringify(box)} on screen above the controls at y=${barBox.y}`,
    );
    assert.ok(box.height >= 100, `${what}: remote tile tall enough to see someone: ${JSON.stringify(box)}`);
  }
}

/**
 * `who` mutes microphone and camera: every connection of theirs stops sending (the sender's track is null, not a
 * disabled track), and `other` sees both on their tile; unmuting sends the tracks again and clears the indicators.
 */
/** The topology code the page shows once the call has left p2p ('tree' or 'sfu'). */
async function groupTopology(page: Page): Promise<string> {
  const code = page
    .getByTestId('topology')
    .locator('code')
    .filter({ hasText: /^(tree|sfu)$/ });
  await code.first().waitFor({ state: 'attached', timeout: 60_000 });
  return (await code.first().textContent())?.trim() ?? '';
}

async function muteIsShownAndStopsSending(who: Page, other: Page, topology: string): Promise<void> {
  await other.getByTestId('topology').locator('code', { hasText: topology }).waitFor({ state: 'attached' });
  const bar = who.getByRole('toolbar', { name: 'Call controls' });
  await bar.getByRole('button', { name: 'Mute', exact: true }).click();
  await bar.getByRole('button', { name: 'Camera off', exact: true }).click();
  await waitForSenders(
    who,
    `muted on ${topology}`,
    // A relay in a tree also forwards others' tracks: those stay live; only this person's own must stop.
    (sent) => sent.some((x) => !x.relayed) && sent.filter((x) => !x.relayed).every((x) => x.track === null),
  );
  const tile = other.getByTestId('remote-tile').filter({ has: other.getByTestId('muted-indicator') });
  await tile.getByTestId('camera-off-indicator').waitFor({ timeout: 30_000 });
  await bar.getByRole('button', { name: 'Unmute', exact: true }).click();
  await bar.getByRole('button', { name: 'Camera on', exact: true }).click();
  await waitForSenders(who, `unmuted on ${topology}`, (sent) =>
    ['audio', 'video'].every((kind) => sent.some((x) => x.kind === kind && x.track === 'live')),
  );
  await other.getByTestId('muted-indicator').waitFor({ state: 'detached', timeout: 30_000 });
  await other.getByTestId('camera-off-indicator').waitFor({ state: 'detached', timeout: 30_000 });
}

interface SentTrack {
  kind: string;
  direction: string | null;
  track: string | null;
  /** Someone else's track this page forwards (it arrived on one of its connections): a tree relay's. */
  relayed: boolean;
}

/** What every live connection's sending transceivers carry: the track's state, or null for no track. */
function sentTracks(page: Page): Promise<SentTrack[]> {
  return page.evaluate(() => {
    const pcs = (window as unknown as { peerConnections: RTCPeerConnection[] }).peerConnections;
    const received = new Set(pcs.flatMap((pc) => pc.getReceivers().map((r) => r.track.id)));
    return pcs
      .filter((pc) => pc.connectionState !== 'closed')
      .flatMap((pc) => pc.getTransceivers())
      .filter((t) => t.currentDirection === 'sendrecv' || t.currentDirection === 'sendonly')
      .map((t) => ({
        kind: t.receiver.track.kind,
        direction: t.currentDirection,
        track: t.sender.track ? t.sender.track.readyState : null,
        relayed: t.sender.track !== null && received.has(t.sender.track.id),
      }));
  });
}

/** Polls what is sent until `done`; a failure shows what was sent last. */
async function waitForSenders(page: Page, what: string, done: (sent: SentTrack[]) => boolean): Promise<void> {
  // Generous: a machine shared by several browser runs can stall a page for seconds.
  const deadline = Date.now() + 30_000;
  let sent = await sentTracks(page);
  while (!done(sent)) {
    assert.ok(Date.now() < deadline, `senders ${what}: ${JSON.stringify(sent)}`);
    await page.waitForTimeout(200);
    sent = await sentTracks(page);
  }
}

/** `count` remote tiles, each decoding video. */
async function remoteVideosPlaying(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    (n) => {
      const videos = Array.from(
        document.querySelectorAll<HTMLVideoElement>('[data-testid="remote-tile"] video'),
      );
      return videos.length === n && videos.every((v) => v.videoWidth > 0);
    },
    count,
    { timeout: 30_000 },
  );
}
