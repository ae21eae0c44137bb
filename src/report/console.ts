import { describeLeftOut } from './budgets';
import { runView, type Result, type RunView } from './result';
import type { SelfTestResult } from './self-test-result';
import type { TargetResult } from './target-result';

/** Past this many checks, the console lists only the failed ones. */
const MAX_LISTED_CHECKS = 40;
/** Diagnoses the log lists at most: a trace of thousands of spans can have thousands. */
const LOGGED_DIAGNOSES = 40;

/**
 * The readable report for the log and for a terminal, in both modes: what ran, what broke, the
 * checks, what the result output left out, then the verdict (in a terminal, what stays on screen).
 */
export function consoleReport(result: Result): string {
  const view = runView(result);
  const lines = result.mode === 'target' ? targetLines(result) : selfTestLines(result, view);
  lines.push(...checkLines(view));
  const leftOut = describeLeftOut(result.left_out);
  if (leftOut !== undefined) lines.push(`left out of the result output: ${leftOut}`);
  lines.push(verdictLine(result));
  return lines.join('\n');
}

function selfTestLines(result: SelfTestResult, view: RunView): string[] {
  const { latency } = view;
  const lines = [
    `propagators: ${result.propagators.join(',')}   client: ${result.client}   fault: ${result.fault ? `${result.fault.kind} at hop ${result.fault.hop}` : 'none'}   expect: ${result.expected_verdict}`,
    `requests: ${view.passed}/${view.total} passed at concurrency ${result.requests.concurrency}; latency p50 ${latency.p50} ms, p95 ${latency.p95} ms, p99 ${latency.p99} ms`,
    `sample request ${view.sample}, trace id ${result.trace_id}`,
  ];
  for (const hop of result.hops) {
    const counts =
      view.total > 1 ? ` [${hop.requests_failed} of ${view.total} requests failed]` : '';
    lines.push(
      `hop ${hop.hop} ${hop.caller} -> ${hop.callee}: ${hop.passed ? 'ok' : hop.diagnosis}${counts}`,
    );
  }
  return lines;
}

function targetLines(result: TargetResult): string[] {
  const { receiver, probes } = result;
  const lines = [
    `receiver: ${receiver.http}${receiver.grpc ? `, ${receiver.grpc} (gRPC)` : ''}   services seen: ${result.services_seen.join(', ') || '(none)'}`,
    ...(receiver.spans_over_limit > 0
      ? [
          `receiver full: ${receiver.spans_over_limit} spans refused past input 'max-spans'; the verdict saw only the spans stored before`,
        ]
      : []),
    `probes: ${probes.passed}/${probes.total} passed; latency p50 ${probes.latency_ms.p50} ms, p99 ${probes.latency_ms.p99} ms`,
    `sample probe ${result.sample_probe}: ${result.probe_header.name}: ${result.probe_header.value ?? '(none)'}`,
    ...result.diagnoses.slice(0, LOGGED_DIAGNOSES).map((d) => `  ! ${d}`),
  ];
  if (result.diagnoses.length > LOGGED_DIAGNOSES) {
    lines.push(`  ! and ${result.diagnoses.length - LOGGED_DIAGNOSES} more in the result output`);
  }
  return lines;
}

/** Every check with its two values; past MAX_LISTED_CHECKS, the failed ones only. */
function checkLines(view: RunView): string[] {
  const { checks, total } = view;
  const listed = checks.length > MAX_LISTED_CHECKS ? checks.filter((c) => !c.passed) : checks;
  const lines: string[] = [];
  if (listed.length < checks.length) {
    lines.push(
      listed.length === 0
        ? `all ${checks.length} checks passed`
        : `${checks.length - listed.length} checks passed; the failed ones:`,
    );
  }
  for (const check of listed) {
    const counts =
      total > 1
        ? ` (${check.passed ? check.runsPassed : check.runsFailed}/${total}${check.passed ? '' : ' failed'})`
        : '';
    lines.push(
      `  ${check.passed ? '✓' : '✗'} ${check.title}${counts}`,
      `      expected ${check.expected}`,
      `      observed ${check.observed}`,
    );
  }
  return lines;
}

function verdictLine(result: Result): string {
  if (result.mode === 'target') {
    const target = `${result.target.method} ${result.target.url}`;
    return result.verdict === 'pass'
      ? `PASS: one unbroken trace per probe through ${target}`
      : `FAIL: trace context broken behind ${target}`;
  }
  const chain = result.services.map((s) => `${s.name} (${s.url})`).join(' -> ');
  return result.verdict === 'pass'
    ? `PASS: trace context propagated through ${chain}`
    : `FAIL: trace context broken in ${chain}`;
}
