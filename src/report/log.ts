import type { SpanRecord } from '../verify/types';
import { jsonLogLine } from './untrusted';

/**
 * Spans printed to the runner's log at most. Each is a line of about 500 bytes of JSON, and a
 * 400-request run exports some 2,000: past the cap the log says how many were left out.
 */
export const MAX_LOGGED_SPANS = 200;

/** The exported spans as log lines, one JSON object each, capped with a line saying so. */
export function spanLogLines(spans: readonly SpanRecord[], max = MAX_LOGGED_SPANS): string[] {
  // Each line stays inert: a span's name must not start a workflow command (untrusted.ts).
  const lines = spans.slice(0, max).map((span) => jsonLogLine(span));
  if (spans.length > max) {
    lines.push(
      `... ${spans.length - max} more span${spans.length - max === 1 ? '' : 's'} not printed (${spans.length} in all); the sample request's spans are in the JSON result.`,
    );
  }
  return lines;
}
