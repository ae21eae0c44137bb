import { analyzeRun } from './analysis';
import { callsAnswered } from './graph-checks/calls-answered';
import type { CheckContext, CheckResult } from './graph-checks/context';
import { entryJoined } from './graph-checks/entry-joined';
import { noForeignTraces } from './graph-checks/foreign-traces';
import { contextIsolated } from './graph-checks/isolation';
import { noNewRoots } from './graph-checks/one-root';
import { parentsResolved } from './graph-checks/parents';
import type { TargetInput, TargetProbe } from './target-types';
import type { Finding, RequestEvidence, SpanRecord, VerifyInput } from './types';

/**
 * The trace-graph checks the self-test shares with target mode, the same functions, run on the
 * self-test's spans, in the order target mode lists them. The header checks still judge each
 * hop from the headers the callee received; these judge the request's trace as a whole.
 * target mode's other graph checks are left out: the probe's answer (`target_answered`) is
 * judged by the header checks, the self-test's built-in services use the same instrumented
 * client and server in every hop, and expected services are the chain itself.
 */
const SELF_TEST_GRAPH_CHECKS: readonly ((ctx: CheckContext) => CheckResult)[] = [
  callsAnswered,
  noNewRoots,
  noForeignTraces,
  parentsResolved,
  contextIsolated,
];

/**
 * No probe span: the self-test's probe sends no context unless `incoming-context` asks. The entry
 * service's server span is then the root of the request's trace and plays the probe's part:
 * there is no context it could have failed to join, so `entry_joined` is not run (no span has
 * this parent, so no root counts as the probe's child in `parents_resolved` either).
 */
const NO_PROBE_SPAN = '';

/**
 * The graph checks' findings for each sampled request of the self-test (by request index), from
 * the same spans the header checks read. An unsampled request records no spans: it has none.
 */
export function selfTestGraphFindings(input: VerifyInput): Map<number, Finding[]> {
  const requests = input.requests.filter((r) => (r.incoming?.sampled ?? true) && r.hops[0]);
  if (requests.length === 0 || input.spans.length === 0) return new Map();
  const graphInput: TargetInput = {
    probes: probesOf(requests, input.spans),
    spans: input.spans,
    expectServices: [],
    // Read only by diagnoses, which the self-test does not keep (the header checks diagnose);
    // `probeSentContext` likewise, so it is not given.
    header: input.formats[0]?.header ?? 'traceparent',
  };
  const run = analyzeRun(graphInput);
  const findings = new Map<number, Finding[]>();
  run.probes.forEach((probe, index) => {
    const ctx: CheckContext = { input: graphInput, run, index, probe };
    // With a context sent, the entry must continue it, as in target mode.
    const checks =
      probe.probe.spanId === NO_PROBE_SPAN
        ? SELF_TEST_GRAPH_CHECKS
        : [entryJoined, ...SELF_TEST_GRAPH_CHECKS];
    findings.set(
      probe.probe.index,
      checks.map((check) => ({ ...check(ctx).finding, hop: undefined })),
    );
  });
  return findings;
}

/**
 * Each request as a probe over the time its entry server span took. The probe's trace is the one
 * the probe sent when it sent a context (an entry that kept the parent id but not the trace id
 * has joined nothing: `entry_joined` must see that), else the one the entry reported, whose root
 * the entry is. When the entry did not join, the graph checks see an empty trace and the header
 * checks still judge every hop. Status unknown: the self-test judges the answer through the
 * header checks (and attribution never blames the entry of a probe with no status for a break).
 */
function probesOf(
  requests: readonly RequestEvidence[],
  spans: readonly SpanRecord[],
): TargetProbe[] {
  const entryIds = new Set(requests.map((r) => r.hops[0]!.callerReport.spanId));
  const entries = new Map<string, SpanRecord>();
  for (const span of spans) if (entryIds.has(span.spanId)) entries.set(span.spanId, span);
  return requests.map((request) => {
    const report = request.hops[0]!.callerReport;
    const entry = entries.get(report.spanId);
    return {
      index: request.index,
      traceId: request.incoming?.traceId ?? report.traceId,
      spanId: request.incoming?.spanId ?? NO_PROBE_SPAN,
      startMs: entry?.startTimeMs ?? 0,
      // No entry span exported: no bound, rather than every span of the trace judged late.
      endMs: entry?.endTimeMs ?? Infinity,
      status: undefined,
      error: undefined,
    };
  });
}
