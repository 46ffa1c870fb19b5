// The marker tone of the probe microphone: a short beep at every multiple of TONE_PERIOD_MS of the shared clock
// (epoch ms), at a frequency that names the sender. A receiver needs no message to know when a beep was sent:
// arrival modulo the period is the delay (unambiguous below one period). No DOM in here.

export const TONE_PERIOD_MS = 1_000;
export const TONE_LENGTH_MS = 150;
const BASE_HZ = 500;
const STEP_HZ = 250;

export const toneHz = (sender: number): number => BASE_HZ + STEP_HZ * sender;

/** The sender whose tone is nearest `hz`, or null when it is not near any (noise, another sound). */
export function senderOfTone(hz: number): number | null {
  const k = Math.round((hz - BASE_HZ) / STEP_HZ);
  if (k < 0 || k > 15 || Math.abs(hz - toneHz(k)) > STEP_HZ / 3) return null;
  return k;
}

/** Delay of a beep that arrived at `arrivalEpochMs`: time since the latest beep instant. */
export const toneDelayMs = (arrivalEpochMs: number): number =>
  ((arrivalEpochMs % TONE_PERIOD_MS) + TONE_PERIOD_MS) % TONE_PERIOD_MS;
