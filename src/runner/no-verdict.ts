import { escapeHtml } from '../report/escape';
import { inert } from '../report/untrusted';
import type { ProgressSnapshot } from '../progress';

/** Services listed by name at most, in the summary and the log line. */
const LISTED_SERVICES = 20;
/** Longest service name shown: a name comes from whatever sent a span. */
const MAX_NAME_CHARS = 80;
/** Longest reason shown: an error message can quote what a service sent. */
const MAX_MESSAGE_CHARS = 1000;

/** The JSON result of a run that gave no verdict: why, and what it observed before it stopped. */
export function noVerdictResult(message: string, observed: ProgressSnapshot | undefined): object {
  return { verdict: 'error', error: message, ...(observed && { observed }) };
}

/**
 * The outputs of a run without a verdict: `verdict` is `error`, `failed-checks` empty, `result`
 * says why; the outputs that describe a verdict's evidence are not set (README, Outputs).
 */
export function noVerdictOutputs(
  message: string,
  observed: ProgressSnapshot | undefined,
): Record<string, string> {
  return {
    verdict: 'error',
    'failed-checks': '',
    result: JSON.stringify(noVerdictResult(message, observed)),
  };
}

/** What the run observed, as one line for the log (control characters shown escaped). */
export function observedLine(observed: ProgressSnapshot): string {
  const services = observed.servicesSeen
    .slice(0, LISTED_SERVICES)
    .map((name) => inert(name, MAX_NAME_CHARS));
  const more = observed.servicesSeen.length - services.length;
  return [
    `while ${observed.phase}`,
    `${observed.requestsAnswered} of ${observed.requestsPlanned} requests answered`,
    `${observed.spansReceived} spans received`,
    `services seen: ${services.join(', ') || '(none)'}${more > 0 ? ` and ${more} more` : ''}`,
  ].join('; ');
}

/** The short job summary of a run without a verdict: why, and what was observed so far. */
export function noVerdictSummary(message: string, observed: ProgressSnapshot | undefined): string {
  const lines = [
    '<h2>⚠️ No verdict: the check did not finish</h2>',
    `<p>${escapeHtml(inert(message, MAX_MESSAGE_CHARS))}</p>`,
  ];
  if (observed !== undefined) {
    lines.push(`<p>Observed so far: ${escapeHtml(observedLine(observed))}.</p>`);
  }
  lines.push('<p>The outputs say <code>verdict: error</code>.</p>', '');
  return lines.join('\n');
}
