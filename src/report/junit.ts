import type { Result } from './result';
import { escapeXml } from './xml';

/** One JUnit test case: a check at one hop or edge, and what it found when it failed. */
interface TestCase {
  classname: string;
  name: string;
  failure: { type: string; message: string; detail: string } | undefined;
}

/**
 * The run as a JUnit XML report, as test-report actions read it (testsuites > testsuite >
 * testcase > failure): one test case per check per hop (self-test) or per check and per edge
 * (target mode). A failure's message is the expected and the observed value.
 */
export function junitReport(result: Result, seconds: number): string {
  if (result.mode === 'target') {
    return suiteXml(`propagation-check: ${result.target.method} ${result.target.url}`, seconds, [
      ...result.checks.map((check) =>
        testCase(
          'target',
          check.title,
          check,
          `${check.probes_failed} of ${result.probes.total} probes failed.`,
        ),
      ),
      ...result.edges.map((edge) => ({
        classname: 'target.edges',
        name: `context propagates ${edge.from} → ${edge.to} (${edge.call})`,
        failure: edge.broken
          ? {
              type: 'broken_edge',
              message: `expected ${edge.to} to join ${edge.from}'s trace, observed a new trace`,
              detail: result.diagnoses.join('\n'),
            }
          : undefined,
      })),
    ]);
  }
  const chain = result.services.map((s) => s.name).join(' → ');
  return suiteXml(
    `propagation-check: ${chain}`,
    seconds,
    result.checks.map((check) => {
      const hop = check.hop === null ? undefined : result.hops[check.hop - 1];
      return testCase(
        hop ? `self-test.hop-${hop.hop}` : 'self-test.request',
        // Hop checks' titles name the call already (`service-a -> service-b: same trace id`).
        hop ? `hop ${hop.hop}: ${check.title}` : check.title,
        check,
        [
          `${check.requests_failed} of ${result.requests.total} requests failed.`,
          ...(hop?.diagnosis ? [hop.diagnosis] : []),
        ].join('\n'),
      );
    }),
  );
}

/** A run that gave no verdict: one test case in error, so the report shows why. */
export function junitNoVerdict(message: string, seconds: number): string {
  const time = seconds.toFixed(3);
  const testCaseXml = `    <testcase classname="propagation-check" name="propagation check" time="${time}">\n      <error type="no_verdict" message="${escapeXml(message)}"/>\n    </testcase>`;
  return document(
    `  <testsuite name="propagation-check" tests="1" failures="0" errors="1" skipped="0" time="${time}">\n${testCaseXml}\n  </testsuite>`,
    { tests: 1, failures: 0, errors: 1, time },
  );
}

function testCase(
  classname: string,
  name: string,
  check: { check: string; expected: string; observed: string; passed: boolean },
  detail: string,
): TestCase {
  return {
    classname,
    name,
    failure: check.passed
      ? undefined
      : {
          type: check.check,
          message: `expected ${check.expected}, observed ${check.observed}`,
          detail,
        },
  };
}

/**
 * Report readers sum `time` attributes, so every element has one: the suite took the whole run,
 * and each check is judged from the same evidence after it, taking no time of its own.
 */
function suiteXml(name: string, seconds: number, cases: readonly TestCase[]): string {
  const time = seconds.toFixed(3);
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const body = cases.map((c) => {
    const open = `    <testcase classname="${escapeXml(c.classname)}" name="${escapeXml(c.name)}" time="0"`;
    if (c.failure === undefined) return `${open}/>`;
    const { type, message, detail } = c.failure;
    return `${open}>\n      <failure type="${escapeXml(type)}" message="${escapeXml(message)}">${escapeXml(detail)}</failure>\n    </testcase>`;
  });
  const suite = `  <testsuite name="${escapeXml(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${time}">\n${body.join('\n')}\n  </testsuite>`;
  return document(suite, { tests: cases.length, failures, errors: 0, time });
}

function document(
  suite: string,
  totals: { tests: number; failures: number; errors: number; time: string },
): string {
  const { tests, failures, errors, time } = totals;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="propagation-check" tests="${tests}" failures="${failures}" errors="${errors}" time="${time}">\n${suite}\n</testsuites>\n`;
}
