/** What the step's outcome depends on: the verdict, the one expected, and the fault if any. */
export interface VerdictFacts {
  verdict: 'pass' | 'fail';
  expected: 'pass' | 'fail';
  /** What was checked, for the message: `service-a -> service-b`, `GET http://...`. */
  subject: string;
  failureMessage: string;
  /** With a fault set: its hop, and whether the check saw that hop break. */
  fault: { kind: string; hop: number; broken: boolean } | undefined;
}

/**
 * The one-line reason the step fails, or undefined when the verdict is the one expected. A
 * negative control with a fault must fail at the faulted hop: a failure elsewhere proves nothing
 * about the fault.
 */
export function stepFailure(report: VerdictFacts): string | undefined {
  if (report.verdict === report.expected) {
    if (report.expected === 'fail' && report.fault && !report.fault.broken) {
      return `The check failed, but not at hop ${report.fault.hop} where the fault ${report.fault.kind} was set, so the negative control proves nothing about it. ${report.failureMessage}`;
    }
    return undefined;
  }
  if (report.expected === 'pass') return report.failureMessage;
  return `Expected the check to fail (expect: fail), but trace context propagated through ${report.subject}: the negative control did not break anything.`;
}
