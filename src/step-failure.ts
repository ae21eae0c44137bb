/** What the step's outcome depends on: the verdict, the one expected, and what the failure proves. */
export interface VerdictFacts {
  verdict: 'pass' | 'fail';
  expected: 'pass' | 'fail';
  /** What was checked, for the message: `service-a -> service-b`, `GET http://...`. */
  subject: string;
  failureMessage: string;
  /**
   * Why a failing verdict would prove nothing as a negative control, or undefined when it is
   * sound: it did not fail at the faulted hop, or the target never answered or sent no span.
   */
  unprovenFailure: string | undefined;
}

/**
 * The one-line reason the step fails, or undefined when the verdict is the one expected. A
 * negative control must fail for the reason it was set up for: a failure elsewhere, or a target
 * that is simply down, proves nothing.
 */
export function stepFailure(report: VerdictFacts): string | undefined {
  if (report.verdict === report.expected) {
    if (report.expected === 'fail' && report.unprovenFailure !== undefined) {
      return `The check failed, but ${report.unprovenFailure}, so the negative control proves nothing. ${report.failureMessage}`;
    }
    return undefined;
  }
  if (report.expected === 'pass') return report.failureMessage;
  return `Expected the check to fail (expect: fail), but trace context propagated through ${report.subject}: the negative control did not break anything.`;
}
