/**
 * Exponential back-off with jitter: retry n waits about `baseMs × 2^(n-1)`,
 * capped at `maxMs`, drawn in [½, 1] of that so retries of many tasks that
 * failed together (one operator down) do not come back together.
 *
 * @param attempt 1 for the first retry.
 * @param random a number in [0, 1); injectable for tests.
 */
export function backoffDelayMs(
  attempt: number,
  baseMs: number,
  maxMs = Infinity,
  random: () => number = Math.random,
): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`backoff: attempt must be a positive integer, got ${attempt}`);
  }
  if (!(baseMs >= 0) || !Number.isFinite(baseMs)) {
    throw new RangeError(`backoff: base must be a finite number >= 0, got ${baseMs}`);
  }
  // 2^30 is already far past any cap; keeps the exponent finite for absurd attempts.
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
  return ceiling / 2 + random() * (ceiling / 2);
}
