import type { CheckContext, CheckResult } from './context';

/** The target answered the probe in full: any status below 500, and the body to its end. */
export function targetAnswered({ probe: { probe } }: CheckContext): CheckResult {
  // `probe.status !== undefined` -> `true` is an equivalent mutant (`undefined < 500` is false);
  // not disabled, since that would hide the named `status < 500` -> `true` mutant on this line.
  const passed = probe.status !== undefined && probe.status < 500 && probe.error === undefined;
  return {
    finding: {
      check: 'target_answered',
      title: 'the target answered the probe in full (any status below 500)',
      expected: 'a complete HTTP answer below 500',
      observed:
        probe.status === undefined
          ? `no answer: ${probe.error ?? 'unknown'}`
          : `HTTP ${probe.status}${probe.error ? `, then the answer broke off: ${probe.error}` : ''}`,
      passed,
    },
    diagnoses: passed
      ? []
      : [
          probe.status === undefined
            ? `probe -> target: the target did not answer (${probe.error ?? 'unknown'}).`
            : probe.error !== undefined
              ? `probe -> target: the target answered HTTP ${probe.status} but the connection broke before the answer ended (${probe.error}).`
              : `probe -> target: the target answered HTTP ${probe.status}; the trace below is what it produced before failing.`,
        ],
  };
}
