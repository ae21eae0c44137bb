import type { Config } from './config';
import { consoleReport } from './report/console';
import { outputsOf, targetOutputsOf } from './report/outputs';
import { buildResult, failureMessage } from './report/result';
import { writeSummary } from './report/summary';
import {
  buildTargetResult,
  targetConsoleReport,
  targetFailureMessage,
} from './report/target-result';
import { writeTargetSummary } from './report/target-summary';
import { runCheck } from './run';
import { runTarget } from './target/run-target';
import type { SpanRecord } from './verify/types';

/** A finished check, ready for any adapter (the action, the CLI) to present. */
export interface CheckReport {
  verdict: 'pass' | 'fail';
  expected: 'pass' | 'fail';
  /** What was checked, for one-line messages: `service-a -> service-b`, `GET http://...`. */
  subject: string;
  /** The readable report. */
  text: string;
  result: object;
  outputs: Record<string, string>;
  /** One line naming the broken hops and the failed checks (meaningful on fail). */
  failureMessage: string;
  /** Every span exported or received, for the log. */
  spans: readonly SpanRecord[];
  writeSummary(): Promise<void>;
}

/** Runs the mode the config asks for: target mode with a target URL, else the built-in chain. */
export async function check(config: Config): Promise<CheckReport> {
  if (config.target !== undefined) {
    const outcome = await runTarget(config, config.target);
    const result = buildTargetResult(outcome);
    return {
      verdict: result.verdict,
      expected: result.expected_verdict,
      subject: `${result.target.method} ${result.target.url}`,
      text: targetConsoleReport(result),
      result,
      outputs: targetOutputsOf(result),
      failureMessage: targetFailureMessage(result),
      spans: outcome.spans,
      writeSummary: () => writeTargetSummary(result),
    };
  }
  const outcome = await runCheck(config);
  const result = buildResult(outcome);
  return {
    verdict: result.verdict,
    expected: result.expected_verdict,
    subject: result.services.map((s) => s.name).join(' -> '),
    text: consoleReport(result),
    result,
    outputs: outputsOf(result),
    failureMessage: failureMessage(result),
    spans: outcome.spans,
    writeSummary: () => writeSummary(result, outcome.verification),
  };
}

/** The one-line reason the step fails, or undefined when the verdict is the one expected. */
export function stepFailure(report: CheckReport): string | undefined {
  if (report.verdict === report.expected) return undefined;
  if (report.expected === 'pass') return report.failureMessage;
  return `Expected the check to fail (expect: fail), but trace context propagated through ${report.subject}: the negative control did not break anything.`;
}
