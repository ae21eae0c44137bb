import type { Result } from './result';

/** The readable report for the log and for a terminal: verdict, diagnoses, every check. */
export function consoleReport(result: Result): string {
  const chain = result.services.map((s) => `${s.name} (${s.url})`).join(' -> ');
  const lines = [
    result.verdict === 'pass'
      ? `PASS: trace context propagated through ${chain}`
      : `FAIL: trace context broken in ${chain}`,
    `propagators: ${result.propagators.join(',')}   trace id: ${result.trace_id}`,
  ];
  for (const hop of result.hops) {
    lines.push(
      `hop ${hop.hop} ${hop.caller} -> ${hop.callee}: ${hop.passed ? 'ok' : hop.diagnosis}`,
    );
  }
  for (const check of result.checks) {
    lines.push(
      `  ${check.passed ? '✓' : '✗'} ${check.title}`,
      `      expected ${check.expected}`,
      `      observed ${check.observed}`,
    );
  }
  return lines.join('\n');
}
