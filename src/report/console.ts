import { describeLeftOut } from './budgets';
import type { Result } from './result';

/** Past this many checks, the console lists only the failed ones. */
const MAX_LISTED_CHECKS = 40;

/** The readable report for the log and for a terminal: run, latency, hops, checks, then the verdict. */
export function consoleReport(result: Result): string {
  const chain = result.services.map((s) => `${s.name} (${s.url})`).join(' -> ');
  const lines = [
    `propagators: ${result.propagators.join(',')}   client: ${result.client}   fault: ${result.fault ? `${result.fault.kind} at hop ${result.fault.hop}` : 'none'}   expect: ${result.expected_verdict}`,
    `requests: ${result.requests.passed}/${result.requests.total} passed at concurrency ${result.requests.concurrency}; latency p50 ${result.requests.latency_ms.p50} ms, p95 ${result.requests.latency_ms.p95} ms, p99 ${result.requests.latency_ms.p99} ms`,
    `sample request ${result.sample_request}, trace id ${result.trace_id}`,
  ];
  for (const hop of result.hops) {
    const counts =
      result.requests.total > 1
        ? ` [${hop.requests_failed} of ${result.requests.total} requests failed]`
        : '';
    lines.push(
      `hop ${hop.hop} ${hop.caller} -> ${hop.callee}: ${hop.passed ? 'ok' : hop.diagnosis}${counts}`,
    );
  }
  const listed =
    result.checks.length > MAX_LISTED_CHECKS
      ? result.checks.filter((c) => !c.passed)
      : result.checks;
  if (listed.length < result.checks.length) {
    lines.push(
      listed.length === 0
        ? `all ${result.checks.length} checks passed`
        : `${result.checks.length - listed.length} checks passed; the failed ones:`,
    );
  }
  for (const check of listed) {
    const counts =
      result.requests.total > 1
        ? ` (${check.passed ? check.requests_passed : check.requests_failed}/${result.requests.total}${check.passed ? '' : ' failed'})`
        : '';
    lines.push(
      `  ${check.passed ? '✓' : '✗'} ${check.title}${counts}`,
      `      expected ${check.expected}`,
      `      observed ${check.observed}`,
    );
  }
  const leftOut = describeLeftOut(result.left_out);
  if (leftOut !== undefined) lines.push(`left out of the result output: ${leftOut}`);
  // The verdict last: in a terminal it is what stays on screen.
  lines.push(
    result.verdict === 'pass'
      ? `PASS: trace context propagated through ${chain}`
      : `FAIL: trace context broken in ${chain}`,
  );
  return lines.join('\n');
}
