import {
  findCalleeServerSpan,
  findCallerClientSpan,
  describeSpan,
  rootSpans,
  traceIds,
} from './spans';
import { parseTraceparent } from './traceparent';
import type {
  BrokenEdge,
  Finding,
  HopEvidence,
  HopVerdict,
  SpanRecord,
  Verification,
  VerifyInput,
} from './types';

const NONE = '(none)';

/**
 * The verdict: pure, from the services' reports, the headers they received and the exported
 * spans. Knows nothing of GitHub, HTTP servers or the OpenTelemetry SDK.
 */
export function verifyPropagation(input: VerifyInput): Verification {
  const entryTraceId = input.hops[0]?.callerReport.traceId ?? input.spans[0]?.traceId ?? '';
  const findings: Finding[] = [];
  const hops: HopVerdict[] = [];
  const brokenEdges: BrokenEdge[] = [];

  input.hops.forEach((hop, index) => {
    const number = index + 1;
    const result = verifyHop(hop, number, input.spans);
    findings.push(...result.findings);
    hops.push(result.verdict);
    if (result.brokenEdge) brokenEdges.push(result.brokenEdge);
  });
  findings.push(...verifyTrace(input, entryTraceId));

  return {
    passed: findings.every((f) => f.passed),
    findings,
    hops,
    brokenEdges,
    traceId: entryTraceId,
  };
}

interface HopResult {
  findings: Finding[];
  verdict: HopVerdict;
  brokenEdge: BrokenEdge | undefined;
}

function verifyHop(hop: HopEvidence, number: number, spans: readonly SpanRecord[]): HopResult {
  const { callerReport, calleeReport } = hop;
  const header = hop.headers['traceparent'];
  const parsed = parseTraceparent(header);
  const headerParent = parsed.ok ? parsed.value.parentId : undefined;
  const calleeServer = findCalleeServerSpan(spans, hop);
  const callerClient = findCallerClientSpan(spans, hop);
  const edge = `${hop.caller} -> ${hop.callee}`;

  const sameTrace = callerReport.traceId === calleeReport.traceId;
  const parentMatches = headerParent !== undefined && calleeReport.parentSpanId === headerParent;
  const linked =
    calleeServer !== undefined &&
    callerClient !== undefined &&
    calleeServer.traceId === callerClient.traceId &&
    calleeServer.parentSpanId === callerClient.spanId;

  const findings: Finding[] = [
    {
      check: 'same_trace',
      hop: number,
      title: `${edge}: same trace id`,
      expected: callerReport.traceId,
      observed: calleeReport.traceId,
      passed: sameTrace,
    },
    {
      check: 'traceparent_valid',
      hop: number,
      title: `${edge}: valid traceparent header received`,
      expected: 'a W3C traceparent header',
      observed: parsed.ok ? (header ?? NONE) : `${parsed.reason}${header ? `: ${header}` : ''}`,
      passed: parsed.ok,
    },
    {
      check: 'parent_matches_traceparent',
      hop: number,
      title: `${edge}: ${hop.callee} server span parent = traceparent parent-id`,
      expected: headerParent ?? 'the parent-id of a valid traceparent header (none arrived)',
      observed: calleeReport.parentSpanId ?? NONE,
      passed: parentMatches,
    },
    {
      check: 'parent_is_caller_client_span',
      hop: number,
      title: `${edge}: exported ${hop.callee} server span is a child of ${hop.caller}'s client span`,
      expected: callerClient
        ? describeSpan(callerClient)
        : `a client span exported by ${hop.caller}`,
      observed: calleeServer
        ? `parent ${calleeServer.parentSpanId ?? NONE} in trace ${calleeServer.traceId}`
        : `no server span exported by ${hop.callee}`,
      passed: linked,
    },
  ];
  const passed = findings.every((f) => f.passed);

  return {
    findings,
    verdict: {
      hop: number,
      caller: hop.caller,
      callee: hop.callee,
      request: hop.request,
      passed,
      diagnosis: passed ? undefined : diagnose(hop, header, parsed, linked, callerClient),
      traceparentHeader: header,
      traceparentParentSpanId: headerParent,
      callerClientSpanId: callerClient?.spanId,
      calleeParentSpanId: calleeReport.parentSpanId,
    },
    brokenEdge:
      calleeServer && !linked
        ? { hop: number, fromSpanId: callerClient?.spanId, toSpanId: calleeServer.spanId }
        : undefined,
  };
}

/** Says why a hop broke, most likely cause first, as the user reads it. */
function diagnose(
  hop: HopEvidence,
  header: string | undefined,
  parsed: ReturnType<typeof parseTraceparent>,
  linked: boolean,
  callerClient: SpanRecord | undefined,
): string {
  const where = `${hop.caller} -> ${hop.callee} (${hop.request})`;
  const newTrace =
    hop.calleeReport.traceId !== hop.callerReport.traceId
      ? `${hop.callee} started a new trace; `
      : '';
  if (header === undefined) {
    return `${where}: ${newTrace}no traceparent header arrived (no trace-context propagator injected it, or the caller's HTTP client is not instrumented).`;
  }
  if (!parsed.ok) {
    return `${where}: ${newTrace}the traceparent header that arrived is malformed (${parsed.reason}).`;
  }
  if (hop.calleeReport.parentSpanId !== parsed.value.parentId) {
    return `${where}: ${newTrace}the traceparent header arrived but ${hop.callee} did not continue it (the header was not extracted).`;
  }
  if (!callerClient) {
    return `${where}: the context arrived, but ${hop.caller} exported no client span for the call.`;
  }
  if (!linked) {
    return `${where}: the traceparent parent-id is not ${hop.caller}'s client span ${callerClient.spanId}.`;
  }
  return `${where}: the trace broke.`;
}

function verifyTrace(input: VerifyInput, entryTraceId: string): Finding[] {
  const ids = traceIds(input.spans, entryTraceId);
  const roots = rootSpans(input.spans);
  const entry = input.services[0];
  const rootIsEntry =
    roots.length === 1 && roots[0]?.service === entry && roots[0]?.kind === 'server';
  return [
    {
      check: 'single_trace',
      hop: undefined,
      title: 'all exported spans are in one trace',
      expected: `1 trace (${entryTraceId})`,
      observed: `${ids.length} trace${ids.length === 1 ? '' : 's'} (${ids.join(', ') || NONE})`,
      passed: ids.length === 1 && ids[0] === entryTraceId,
    },
    {
      check: 'single_root',
      hop: undefined,
      title: `one root span: ${entry}'s server span`,
      expected: `1 root (${entry} server span)`,
      observed: `${roots.length} root${roots.length === 1 ? '' : 's'}${roots.length ? ': ' : ''}${roots.map(describeSpan).join('; ')}`,
      passed: rootIsEntry,
    },
  ];
}
