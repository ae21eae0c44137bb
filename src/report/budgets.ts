/**
 * The size limits of what the runner accepts, in one place. GitHub refuses a step summary over
 * 1 MiB and caps a job's outputs at 1 MB in all; a large run (thousands of spans, 10,000
 * requests) must still produce both, so each is cut to its budget with a count of what was left
 * out, rather than refused or silently truncated by the runner.
 */

/** The job summary, in UTF-8 bytes: under 1,000,000 with room for the runner's own framing. */
export const SUMMARY_MAX_BYTES = 950_000;
/** The `result` output, in UTF-8 bytes: under 1,000,000, leaving room for the other outputs. */
export const RESULT_MAX_BYTES = 900_000;

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Renders `value` with its lists cut to at most `limit` items each, choosing the largest limit
 * whose rendering fits `maxBytes`. `cut(value, limit)` must only shrink as the limit falls, so a
 * binary search finds it in a few renderings; a run that fits is rendered once. When even
 * limit 0 does not fit, the limit-0 rendering is returned: it holds no list, only fields bounded
 * by the inert text caps.
 */
export function fitToBudget<T>(
  value: T,
  longestList: number,
  cut: (value: T, limit: number) => T,
  render: (value: T) => string,
  maxBytes: number,
): { value: T; text: string } {
  const attempt = (limit: number): { value: T; text: string; fits: boolean } => {
    const cutValue = limit >= longestList ? value : cut(value, limit);
    const text = render(cutValue);
    return { value: cutValue, text, fits: utf8Bytes(text) <= maxBytes };
  };
  const whole = attempt(longestList);
  if (whole.fits) return whole;
  let best = attempt(0);
  if (!best.fits) return best;
  let [low, high] = [0, longestList - 1];
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    const tried = attempt(middle);
    if (tried.fits) {
      best = tried;
      low = middle;
    } else {
      high = middle - 1;
    }
  }
  return best;
}

/** The first `limit` items, and how many were left out. */
export function cutList<T>(items: readonly T[], limit: number): { kept: T[]; left: number } {
  return { kept: items.slice(0, limit), left: Math.max(0, items.length - limit) };
}

/**
 * One sentence naming what a report left out (`{ spans: 3000, failed_probes: 12 }` -> "3,000
 * spans, 12 failed probes"), or undefined when it left out nothing.
 */
export function describeLeftOut(leftOut: Readonly<Record<string, number>>): string | undefined {
  const parts = Object.entries(leftOut)
    .filter(([, count]) => count > 0)
    .map(([list, count]) => `${count.toLocaleString('en-US')} ${list.replaceAll('_', ' ')}`);
  return parts.length === 0 ? undefined : parts.join(', ');
}
