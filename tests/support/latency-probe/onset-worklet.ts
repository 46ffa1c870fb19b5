// The AudioWorklet processor that finds beep onsets in a received track. Its source is handed to
// audioWorklet.addModule as a Blob, so it is kept as a string here (a worklet scope has no imports of ours).
// An onset is the first sample above QUIET after at least 200 ms below it, confirmed by a sample above LOUD
// within 5 ms (a tone's first samples rise through the quiet level, so that one marks the start, the loud one
// tells a beep from noise). The next 40 ms of zero crossings give the tone's frequency, which names the sender.
// After an onset, none for REFRACTORY_S (half the beep period): a beep broken by loss or a decoder glitch comes
// back loud after a gap that looks like quiet, and must not count as a second, late beep. It posts the onset's
// context time and the context time at posting, so the page can place the onset on its own clock.
export const ONSET_WORKLET_NAME = 'consulta-onset';

export const ONSET_WORKLET_SOURCE = `
const QUIET = 0.02, LOUD = 0.08, QUIET_S = 0.2, CONFIRM_S = 0.005, MEASURE_S = 0.04, REFRACTORY_S = 0.5;
class Onset extends AudioWorkletProcessor {
  constructor() {
    super();
    this.lastAbove = -1; this.candidate = null; this.onset = null; this.lastOnset = -1;
    this.crossings = 0; this.measured = 0; this.last = 0;
  }
  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (!ch) return true;
    const dt = 1 / sampleRate;
    for (let i = 0; i < ch.length; i++) {
      const s = ch[i];
      const a = Math.abs(s);
      const t = currentTime + i * dt;
      if (this.onset !== null) {
        if ((this.last < 0) !== (s < 0)) this.crossings++;
        this.last = s;
        this.measured += dt;
        if (this.measured >= MEASURE_S) {
          this.port.postMessage({
            onset: this.onset,
            hz: this.crossings / 2 / this.measured,
            postedAt: currentTime + ch.length * dt,
          });
          this.onset = null;
        }
        if (a > QUIET) this.lastAbove = t;
        continue;
      }
      if (a > QUIET) {
        if (this.candidate === null && (this.lastAbove < 0 || t - this.lastAbove >= QUIET_S)) this.candidate = t;
        this.lastAbove = t;
        if (this.candidate !== null && a > LOUD) {
          const rested = this.lastOnset < 0 || this.candidate - this.lastOnset >= REFRACTORY_S;
          if (t - this.candidate <= CONFIRM_S && rested) {
            this.onset = this.candidate; this.lastOnset = this.candidate; this.crossings = 0; this.measured = 0; this.last = s;
          }
          this.candidate = null;
        }
      } else if (this.candidate !== null && t - this.candidate > CONFIRM_S) {
        this.candidate = null;
      }
    }
    return true;
  }
}
registerProcessor('consulta-onset', Onset);
`;
