import { setTimeout as sleep } from 'node:timers/promises';
import type { Deadline } from '../../deadline';
import { TimeoutError } from '../../deadline';

const POLL_INTERVAL_MS = 250;

/**
 * Polls `url` until it answers with any HTTP status below 500, bounded by the run's deadline.
 * Gives up naming the URL and the last thing it saw, so a user knows what never came up.
 * Returns at once when `cancel` aborts (a service the action started died: no use waiting).
 */
export async function waitUntilAnswering(
  url: string,
  deadline: Deadline,
  cancel?: AbortSignal,
): Promise<void> {
  let last = 'no attempt';
  while (deadline.remainingMs() > 0) {
    if (cancel?.aborted) return;
    try {
      const attempt = AbortSignal.timeout(Math.max(1, Math.min(2000, deadline.remainingMs())));
      const response = await fetch(url, {
        signal: cancel ? AbortSignal.any([attempt, cancel]) : attempt,
      });
      await response.body?.cancel();
      if (response.status < 500) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = describeFetchError(error);
    }
    await sleep(Math.min(POLL_INTERVAL_MS, deadline.remainingMs()), undefined, {
      signal: cancel,
    }).catch(() => undefined);
  }
  throw new TimeoutError(
    `Timed out (input 'timeout') waiting for ${url} (input 'wait-for') to answer; last attempt: ${last}.`,
  );
}

/** fetch hides the socket error behind `fetch failed`: name the cause. */
export function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'no answer in time';
    if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
    // undici names some refusals only in the cause's message (a blocked port: "bad port").
    if (cause?.message) return `${error.message}: ${cause.message}`;
    return error.message;
  }
  return String(error);
}
