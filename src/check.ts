import type { Config } from './config';
import { consoleReport } from './report/console';
import { outputsOf } from './report/outputs';
import { failureMessage, type Result } from './report/result';
import { buildSelfTestResult, unprovenFault } from './report/self-test-result';
import { renderSummary } from './report/summary';
import { buildTargetResult } from './report/target-result';
import { runCheck } from './modes/self-test/run';
import type { VerdictFacts } from './step-failure';
import type { SpanRecord } from './verify/types';

/** A finished check, ready for any adapter (the action, the CLI) to present. */
export interface CheckReport extends VerdictFacts {
  /** The readable report. */
  text: string;
  result: Result;
  outputs: Record<string, string>;
  /** Every span exported or received, for the log. */
  spans: readonly SpanRecord[];
  /** The spans of the requests or probes that failed (every span of their traces), once each. */
  failingSpans(): SpanRecord[];
  /** The job summary, as markdown and HTML. */
  summary(): string;
}

/** Runs the mode the config asks for: target mode with a target URL, else the built-in chain. */
export async function check(config: Config): Promise<CheckReport> {
  if (config.target !== undefined) {
    // Loaded only in target mode: the receiver (gRPC, protobuf) is half the bundle, and the
    // self-test should not pay to compile it.
    const { runTarget } = await import('./modes/target/run-target');
    const outcome = await runTarget(config, config.target);
    const result = buildTargetResult(outcome);
    return {
      ...reportOf(result),
      subject: `${result.target.method} ${result.target.url}`,
      spans: outcome.spans,
      // A broken edge starts a trace of its own: keep every trace that is no probe's, too.
      failingSpans: () => {
        const probeTraces = new Set(outcome.verification.probes.map((probe) => probe.traceId));
        const brokenOff = outcome.spans.filter((span) => !probeTraces.has(span.traceId));
        return [...spansOfFailures(outcome.verification.probes), ...brokenOff];
      },
      unprovenFailure: !outcome.probes.some((probe) => probe.status !== undefined)
        ? 'the target never answered'
        : outcome.spans.length === 0
          ? 'no span reached the receiver'
          : undefined,
      summary: () =>
        renderSummary(result) +
        (outcome.launched?.summaryHtml(
          result.edges.filter((edge) => edge.broken).flatMap((edge) => [edge.from, edge.to]),
        ) ?? ''),
    };
  }
  const outcome = await runCheck(config);
  const result = buildSelfTestResult(outcome);
  return {
    ...reportOf(result),
    subject: result.services.map((s) => s.name).join(' -> '),
    spans: outcome.spans,
    failingSpans: () => spansOfFailures(outcome.verification.requests),
    unprovenFailure: unprovenFault(config.fault, outcome.verification.hops),
    summary: () => renderSummary(result, outcome.verification),
  };
}

/** What both modes report the same way, from the one result model. */
function reportOf(
  result: Result,
): Pick<CheckReport, 'verdict' | 'expected' | 'text' | 'result' | 'outputs' | 'failureMessage'> {
  return {
    verdict: result.verdict,
    expected: result.expected_verdict,
    text: consoleReport(result),
    result,
    outputs: outputsOf(result),
    failureMessage: failureMessage(result),
  };
}

/** Every span of the failed requests' traces, once each (a break puts one span in two traces' views). */
function spansOfFailures(
  runs: readonly { passed: boolean; spans: readonly SpanRecord[] }[],
): SpanRecord[] {
  const seen = new Set<SpanRecord>();
  for (const run of runs) if (!run.passed) for (const span of run.spans) seen.add(span);
  return [...seen];
}
