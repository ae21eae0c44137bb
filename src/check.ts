import type { Config } from './config';
import { consoleReport } from './report/console';
import { outputsOf, targetOutputsOf } from './report/outputs';
import { buildResult, failureMessage, unprovenFault } from './report/result';
import { renderSummary } from './report/summary';
import {
  buildTargetResult,
  targetConsoleReport,
  targetFailureMessage,
} from './report/target-result';
import { renderTargetSummary } from './report/target-summary';
import { runCheck } from './run';
import type { VerdictFacts } from './step-failure';
import type { SpanRecord } from './verify/types';

/** A finished check, ready for any adapter (the action, the CLI) to present. */
export interface CheckReport extends VerdictFacts {
  /** The readable report. */
  text: string;
  result: object;
  outputs: Record<string, string>;
  /** Every span exported or received, for the log. */
  spans: readonly SpanRecord[];
  /** The job summary, as markdown and HTML. */
  summary(): string;
}

/** Runs the mode the config asks for: target mode with a target URL, else the built-in chain. */
export async function check(config: Config): Promise<CheckReport> {
  if (config.target !== undefined) {
    // Loaded only in target mode: the receiver (gRPC, protobuf) is half the bundle, and the
    // self-test should not pay to compile it.
    const { runTarget } = await import('./target/run-target');
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
      unprovenFailure: !outcome.probes.some((probe) => probe.status !== undefined)
        ? 'the target never answered'
        : outcome.spans.length === 0
          ? 'no span reached the receiver'
          : undefined,
      summary: () => renderTargetSummary(result),
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
    unprovenFailure: unprovenFault(config.fault, outcome.verification.hops),
    summary: () => renderSummary(result, outcome.verification),
  };
}
