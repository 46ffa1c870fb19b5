// Figures as an administrator reads them.

export function formatDuration(ms: number | null): string {
  if (ms === null) return '–';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Bytes arrive as a decimal string (files may outgrow a JSON number); sizes are shown in SI units. */
export function formatSize(bytes: string | null): string {
  if (bytes === null) return '–';
  const n = Number(bytes);
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export const STATUS_WORDS = {
  AWAITING_CONSENT: 'waiting for consent',
  RECORDING: 'recording',
  FINALISING: 'saving',
  COMPLETE: 'complete',
  PARTIAL: 'partial (cut short)',
  FAILED: 'failed',
  BLOCKED: 'not recorded',
} as const;
