import type { Result, SelfTestResult, TargetResult } from '../report/result';

/** One error annotation: a title naming what broke, and what was expected and observed. */
export interface Annotation {
  title: string;
  message: string;
}

/** Title of the one annotation of a failure that no hop or edge carries. */
const GENERAL_TITLE = 'Trace context propagation failed';
const OTHERS_TITLE = 'Other failed checks';

/**
 * The annotations of a failed verdict: one per broken hop (self-test) or broken edge (target
 * mode), titled with it, then one for the failed checks no hop or edge explains. Never one per
 * request: 1,000 requests broken at one hop are one annotation. With no broken hop or edge, one
 * annotation carries the whole failure line.
 */
export function annotationsOf(result: Result, failureLine: string): Annotation[] {
  const { links, others } =
    result.mode === 'target' ? targetBreaks(result) : selfTestBreaks(result);
  if (links.length === 0) return [{ title: GENERAL_TITLE, message: failureLine }];
  return others.length > 0 ? [...links, { title: OTHERS_TITLE, message: others.join(' ') }] : links;
}

interface Breaks {
  links: Annotation[];
  /** Failed checks and diagnoses that belong to no broken hop or edge. */
  others: string[];
}

function selfTestBreaks(result: SelfTestResult): Breaks {
  const failed = result.checks.filter((check) => !check.passed);
  const broken = result.hops.filter((hop) => !hop.passed);
  const brokenHops = new Set(broken.map((hop) => hop.hop));
  const links = broken.map((hop) => ({
    title: `Broken hop ${hop.hop}: ${hop.caller} → ${hop.callee}`,
    message: [
      `${hop.requests_failed} of ${hop.requests_passed + hop.requests_failed} requests broken at ${hop.request}.`,
      ...(hop.diagnosis ? [hop.diagnosis] : []),
      ...failed.filter((check) => check.hop === hop.hop).map(expectedObserved),
    ].join(' '),
  }));
  // A broken hop splits the trace: the request-wide checks (one trace, one root) restate it.
  const others = failed
    .filter((check) => check.hop !== null && !brokenHops.has(check.hop))
    .map(
      (check) =>
        `${expectedObserved(check)} (hop ${check.hop}, ${check.requests_failed} of ${result.requests.total} requests)`,
    );
  return { links, others };
}

function targetBreaks(result: TargetResult): Breaks {
  const broken = result.edges.filter((edge) => edge.broken);
  const prefixes = broken.map((edge) => `${edge.from} -> ${edge.to} `);
  const links = broken.map((edge, index) => {
    const diagnoses = result.diagnoses.filter((d) => d.startsWith(prefixes[index]!));
    return {
      title: `Broken edge: ${edge.from} → ${edge.to}`,
      message:
        diagnoses.length > 0
          ? diagnoses.join(' ')
          : `${edge.to} started a new trace for ${edge.call} instead of joining ${edge.from}'s.`,
    };
  });
  // New roots are what a broken edge is: that check restates the edges.
  const others = [
    ...result.diagnoses.filter((d) => !prefixes.some((prefix) => d.startsWith(prefix))),
    ...result.checks
      .filter((check) => !check.passed && check.check !== 'no_new_roots')
      .map(
        (check) =>
          `${expectedObserved(check)} (${check.probes_failed} of ${result.probes.total} probes)`,
      ),
  ];
  return { links, others };
}

function expectedObserved(check: { check: string; expected: string; observed: string }): string {
  return `${check.check}: expected ${check.expected}, observed ${check.observed}.`;
}
