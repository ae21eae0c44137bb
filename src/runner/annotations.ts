import type { Result } from '../report/result';
import type { TargetResult } from '../report/target-result';

/** One error annotation: a title naming what broke, and what was expected and observed. */
export interface Annotation {
  title: string;
  message: string;
}

/**
 * The annotations of a failed verdict: one per broken hop (self-test) or broken edge (target
 * mode), then one per failed check that belongs to no hop or edge. Never one per request: 1,000
 * requests broken at one hop are one annotation.
 */
export function annotationsOf(result: Result | TargetResult): Annotation[] {
  return 'mode' in result ? targetAnnotations(result) : selfTestAnnotations(result);
}

function selfTestAnnotations(result: Result): Annotation[] {
  const failed = result.checks.filter((check) => !check.passed);
  const brokenHops = new Set(result.hops.filter((hop) => !hop.passed).map((hop) => hop.hop));
  const hops = result.hops
    .filter((hop) => !hop.passed)
    .map((hop) => {
      const checks = failed.filter((check) => check.hop === hop.hop).map(expectedObserved);
      return {
        title: `Broken hop ${hop.hop}: ${hop.caller} → ${hop.callee}`,
        message: [
          `${hop.requests_failed} of ${hop.requests_passed + hop.requests_failed} requests broken at ${hop.request}.`,
          ...(hop.diagnosis ? [hop.diagnosis] : []),
          ...checks,
        ].join(' '),
      };
    });
  // A broken hop splits the trace: the request-wide checks (one trace, one root) restate it.
  const others = failed
    .filter((check) => hops.length === 0 || (check.hop !== null && !brokenHops.has(check.hop)))
    .map((check) => ({
      title: check.title,
      message: `${expectedObserved(check)} (${check.requests_failed} of ${result.requests.total} requests)`,
    }));
  return [...hops, ...others];
}

function targetAnnotations(result: TargetResult): Annotation[] {
  const edges = result.edges
    .filter((edge) => edge.broken)
    .map((edge) => ({
      title: `Broken edge: ${edge.from} → ${edge.to}`,
      message: [
        `${edge.to} started a new trace for ${edge.call} instead of joining ${edge.from}'s.`,
        ...result.diagnoses.filter((d) => d.includes(edge.to)).slice(0, 1),
      ].join(' '),
    }));
  const checks = result.checks
    .filter((check) => !check.passed && (edges.length === 0 || notAboutEdges(check)))
    .map((check) => ({
      title: check.title,
      message: `${expectedObserved(check)} (${check.probes_failed} of ${result.probes.total} probes)`,
    }));
  return [...edges, ...checks];
}

/** With broken edges annotated, the checks that only restate them add nothing. */
function notAboutEdges(check: { check: string }): boolean {
  return check.check !== 'no_new_roots';
}

function expectedObserved(check: { check: string; expected: string; observed: string }): string {
  return `${check.check}: expected ${check.expected}, observed ${check.observed}.`;
}
