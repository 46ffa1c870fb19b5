/**
 * Delay before reconnect attempt `attempt` (0-based): exponential from `initialDelayMs`, capped at `maxDelayMs`,
 * with ±25 % jitter so a server restart is not met by every client at the same instant.
 */
export function backoffDelay(
  attempt: number,
  options: { initialDelayMs?: number; maxDelayMs?: number } = {},
  random: () => number = Math.random,
): number {
  const initial = options.initialDelayMs ?? 250;
  const max = options.maxDelayMs ?? 8000;
  const base = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.75 + random() * 0.5));
}
