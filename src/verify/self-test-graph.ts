import { analyzeRun } from './analysis';
import { callsAnswered } from './graph-checks/calls-answered';
import type { CheckContext, CheckResult } from './graph-checks/context';
import { noForeignTraces } from './graph-checks/foreign-traces';
import type { TargetInput, TargetProbe } from './target-types';
import type { Finding, RequestEvidence, SpanRecord, VerifyInput } from './types';

/**
 * The trace-graph checks the self-test gains from target mode. The header checks already judge
 * what the others would (one trace, one root, the entry, isolation between requests), with the
 * headers each callee received as evidence; these two see what headers cannot: a call no server
 * span answered, and a service that continued a trace no service exported.
 */
const SELF_TEST_GRAPH_CHECKS: readonly ((ctx: CheckContext) => CheckResult)[] = [
  callsAnswered,
  noForeignTraces,
];

/** No probe span: the self-test's probe sends no context unless `incoming-context` asks. */
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
    header: input.formats[0]?.header ?? 'traceparent',
    probeSentContext: requests.some((r) => r.incoming !== undefined),
  };
  const run = analyzeRun(graphInput);
  const findings = new Map<number, Finding[]>();
  run.probes.forEach((probe, index) => {
    const ctx: CheckContext = { input: graphInput, run, index, probe };
    findings.set(
      probe.probe.index,
      SELF_TEST_GRAPH_CHECKS.map((check) => ({ ...check(ctx).finding, hop: undefined })),
    );
  });
  return findings;
}

/**
 * Each request as a probe of its entry service's trace, over the time its entry server span
 * took. Status unknown: the self-test judges the answer through the header checks.
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
      traceId: report.traceId,
      spanId: request.incoming?.spanId ?? NO_PROBE_SPAN,
      startMs: entry?.startTimeMs ?? 0,
      endMs: entry?.endTimeMs ?? 0,
      status: undefined,
      error: undefined,
    };
  });
}
