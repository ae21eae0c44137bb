import { fitToBudget } from './budgets';
import type { CheckRowBase } from './check-rows';
import type { Percentiles } from './percentiles';
import { cutSelfTestResult, type SelfTestResult } from './self-test-result';
import { cutTargetResult, longestTargetList, type TargetResult } from './target-result';

export type { SelfTestResult } from './self-test-result';
export type { TargetResult } from './target-result';

/**
 * The one result model: `mode` tells the two apart. The self-test keeps the seed's literal
 * A -> B fields and names its runs requests; target mode names them probes. Everything that
 * reads a result (console, summary, outputs, annotations) goes through `runView` for what the
 * modes share and switches on `mode` only for what they do not.
 */
export type Result = SelfTestResult | TargetResult;

/** A check row, whatever the mode calls its runs. */
export interface CheckView extends CheckRowBase {
  hop: number | null;
  runsPassed: number;
  runsFailed: number;
}

/** What both modes' results say, under one set of names. */
export interface RunView {
  /** What one run is called: a request of the built-in chain, or a probe sent to the target. */
  noun: 'request' | 'probe';
  /** What was checked, for headlines: `service-a → service-b`, or `GET http://...`. */
  subject: string;
  total: number;
  passed: number;
  failed: number;
  latency: Percentiles;
  sample: number;
  checks: CheckView[];
  /** The diagnoses the failure message quotes. */
  diagnoses: string[];
}

export function runView(result: Result): RunView {
  if (result.mode === 'target') {
    return {
      noun: 'probe',
      subject: `${result.target.method} ${result.target.url}`,
      ...counts(result.probes),
      sample: result.sample_probe,
      checks: result.checks.map((c) => ({
        ...c,
        hop: null,
        runsPassed: c.probes_passed,
        runsFailed: c.probes_failed,
      })),
      diagnoses: result.diagnoses,
    };
  }
  return {
    noun: 'request',
    subject: result.services.map((s) => s.name).join(' -> '),
    ...counts(result.requests),
    sample: result.sample_request,
    checks: result.checks.map((c) => ({
      ...c,
      runsPassed: c.requests_passed,
      runsFailed: c.requests_failed,
    })),
    diagnoses: [...new Set(result.hops.flatMap((hop) => (hop.diagnosis ? [hop.diagnosis] : [])))],
  };
}

function counts(runs: {
  total: number;
  passed: number;
  failed: number;
  latency_ms: Percentiles;
}): Pick<RunView, 'total' | 'passed' | 'failed' | 'latency'> {
  return { total: runs.total, passed: runs.passed, failed: runs.failed, latency: runs.latency_ms };
}

/** The result with its lists cut to `limit` items each; `left_out` counts what was cut. */
export function cutResult<R extends Result>(result: R, limit: number): R {
  return (
    result.mode === 'target' ? cutTargetResult(result, limit) : cutSelfTestResult(result, limit)
  ) as R;
}

/** The longest list in the result: cutting to this many items cuts nothing. */
export function longestList(result: Result): number {
  return result.mode === 'target'
    ? longestTargetList(result)
    : Math.max(result.spans.length, result.requests.failures.length);
}

/**
 * Renders a result within a budget (`RESULT_MAX_BYTES`, `SUMMARY_MAX_BYTES`), its lists cut as
 * far as needed: the one place both modes fit what they write to the runner's limits.
 */
export function fitResult<R extends Result>(
  result: R,
  render: (result: R) => string,
  maxBytes: number,
): { value: R; text: string } {
  return fitToBudget(result, longestList(result), cutResult, render, maxBytes);
}

/**
 * One line for the failed step: the diagnoses, then each failed check with the two values that
 * differ (for the first request or probe that failed it).
 */
export function failureMessage(result: Result): string {
  const view = runView(result);
  const failedRuns =
    view.total > 1
      ? [`${view.failed} of ${view.total} ${view.noun}s failed; ${view.noun} ${view.sample}:`]
      : [];
  const checks = view.checks
    .filter((check) => !check.passed)
    .map(
      (check) =>
        `${check.check}${check.hop ? ` (hop ${check.hop})` : ''}: expected ${check.expected}, observed ${check.observed}`,
    );
  return [
    result.mode === 'target'
      ? 'Trace context propagation failed in the target.'
      : 'Trace context propagation failed.',
    ...failedRuns,
    ...view.diagnoses,
    `Failed checks: ${checks.join('; ')}.`,
  ].join(' ');
}
