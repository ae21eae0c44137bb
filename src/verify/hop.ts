import { formatsPresent, type HeaderRead, type TraceFormat } from './context-headers';
import { describeSpan, findCalleeServerSpan, findCallerClientSpan } from './spans';
import type {
  BrokenEdge,
  Finding,
  HopEvidence,
  HopVerdict,
  ProbeContext,
  SpanRecord,
} from './types';

const NONE = '(none)';
/** A trace id a service could really have reported: 32 lower-case hex digits, not all zero. */
const VALID_TRACE_ID = /^(?!0{32})[0-9a-f]{32}$/;

export interface HopContext {
  number: number;
  /** The spans of the request's traces. */
  spans: readonly SpanRecord[];
  formats: readonly TraceFormat[];
  propagatorConfigured: boolean;
  incoming: ProbeContext | undefined;
  /** False for an unsampled request: no spans were recorded, only headers can be checked. */
  sampled: boolean;
}

export interface HopResult {
  findings: Finding[];
  verdict: HopVerdict;
  brokenEdge: BrokenEdge | undefined;
}

/** Every check of one hop, and the diagnosis when one fails. */
export function verifyHop(hop: HopEvidence, at: HopContext): HopResult {
  const { callerReport, calleeReport } = hop;
  const edge = `${hop.caller} -> ${hop.callee}`;
  const reads = at.formats.map((format) => ({ format, read: format.read(hop.headers) }));
  const primary = reads[0]!;
  const calleeServer = at.sampled ? findCalleeServerSpan(at.spans, hop) : undefined;
  const headerParent = primary.read.ok ? primary.read.value.parentId : undefined;
  const callerClient = at.sampled ? findCallerClientSpan(at.spans, hop, headerParent) : undefined;
  const linked =
    calleeServer !== undefined &&
    callerClient !== undefined &&
    calleeServer.traceId === callerClient.traceId &&
    calleeServer.parentSpanId === callerClient.spanId;

  const findings: Finding[] = [
    {
      check: 'same_trace',
      hop: at.number,
      title: `${edge}: same trace id`,
      expected: callerReport.traceId,
      observed: calleeReport.traceId,
      passed:
        VALID_TRACE_ID.test(callerReport.traceId) && callerReport.traceId === calleeReport.traceId,
    },
  ];
  for (const { format, read } of reads) {
    findings.push({
      check: `${format.checkStem}_valid`,
      hop: at.number,
      title: `${edge}: valid ${format.header} header received`,
      expected: `a valid ${format.header} header`,
      observed: read.ok ? read.raw : `${read.reason}${read.raw ? `: ${read.raw}` : ''}`,
      passed: read.ok,
    });
  }
  if (at.sampled) {
    for (const { format, read } of reads) {
      findings.push({
        check: `parent_matches_${format.checkStem}`,
        hop: at.number,
        title: `${edge}: ${hop.callee} server span parent = ${format.header} parent id`,
        expected: read.ok
          ? read.value.parentId
          : `the parent id of a valid ${format.header} header (none arrived)`,
        observed: calleeReport.parentSpanId ?? NONE,
        passed: read.ok && calleeReport.parentSpanId === read.value.parentId,
      });
    }
    findings.push({
      check: 'parent_is_caller_client_span',
      hop: at.number,
      title: `${edge}: exported ${hop.callee} server span is a child of ${hop.caller}'s client span`,
      expected: callerClient
        ? describeSpan(callerClient)
        : `a client span exported by ${hop.caller}`,
      observed: calleeServer
        ? `parent ${calleeServer.parentSpanId ?? NONE} in trace ${calleeServer.traceId}`
        : `no server span exported by ${hop.callee}`,
      passed: linked,
    });
  }
  if (at.incoming !== undefined && primary.read.ok && primary.read.value.sampled !== undefined) {
    findings.push({
      check: 'sampled_flag_propagated',
      hop: at.number,
      title: `${edge}: the probe's sampled flag arrives`,
      expected: String(at.incoming.sampled),
      observed: String(primary.read.value.sampled),
      passed: primary.read.value.sampled === at.incoming.sampled,
    });
  }
  const passed = findings.every((f) => f.passed);

  return {
    findings,
    verdict: {
      hop: at.number,
      caller: hop.caller,
      callee: hop.callee,
      request: hop.request,
      passed,
      diagnosis: passed ? undefined : diagnose(hop, primary, at, callerClient, linked),
      header: primary.read.raw,
      headerParentSpanId: headerParent,
      callerClientSpanId: callerClient?.spanId,
      calleeParentSpanId: calleeReport.parentSpanId,
    },
    brokenEdge:
      calleeServer && !linked
        ? { hop: at.number, fromSpanId: callerClient?.spanId, toSpanId: calleeServer.spanId }
        : undefined,
  };
}

/** Says why a hop broke, the most likely cause first, as the user reads it. */
function diagnose(
  hop: HopEvidence,
  primary: { format: TraceFormat; read: HeaderRead },
  at: HopContext,
  callerClient: SpanRecord | undefined,
  linked: boolean,
): string {
  const where = `${hop.caller} -> ${hop.callee} (${hop.request})`;
  const header = primary.format.header;
  const newTrace =
    hop.calleeReport.traceId !== hop.callerReport.traceId
      ? `${hop.callee} started a new trace; `
      : '';
  const read = primary.read;
  if (read.raw === undefined) {
    const others = formatsPresent(hop.headers).filter((f) => f.name !== primary.format.name);
    if (!at.propagatorConfigured) {
      return `${where}: ${newTrace}no ${header} header arrived: no trace-context propagator is configured, so nothing injects one.`;
    }
    if (others.length > 0) {
      return `${where}: ${newTrace}no ${header} header arrived, but ${others.map((f) => f.header).join(' and ')} did: ${hop.caller} injects a different format than ${hop.callee} extracts (propagator mismatch).`;
    }
    if (!at.sampled) {
      return `${where}: ${newTrace}no ${header} header arrived: something between them dropped it, or ${hop.caller}'s HTTP client is not instrumented (with an unsampled context no spans tell these apart; run with incoming-context: sampled to see which).`;
    }
    if (callerClient === undefined) {
      return `${where}: ${newTrace}no ${header} header arrived and ${hop.caller} exported no client span for the call: its HTTP client is not instrumented.`;
    }
    return `${where}: ${newTrace}no ${header} header arrived although ${hop.caller} made client span ${callerClient.spanId} for the call: something between them dropped the header (a proxy or gateway that strips it).`;
  }
  if (!read.ok) {
    return `${where}: ${newTrace}the ${header} header that arrived is malformed (${read.reason}).`;
  }
  if (at.sampled && hop.calleeReport.parentSpanId !== read.value.parentId) {
    return `${where}: ${newTrace}the ${header} header arrived but ${hop.callee} did not continue it (the header was not extracted, or the incoming context was ignored).`;
  }
  if (read.value.traceId !== hop.callerReport.traceId) {
    return `${where}: the ${header} header carries trace ${read.value.traceId}, not ${hop.caller}'s trace ${hop.callerReport.traceId}: ${hop.caller} sent another request's context (context leaked between requests).`;
  }
  if (at.sampled && !callerClient) {
    return `${where}: the context arrived, but ${hop.caller} exported no client span for the call.`;
  }
  if (at.sampled && !linked) {
    return `${where}: the ${header} parent id is not ${hop.caller}'s client span ${callerClient?.spanId ?? ''}.`;
  }
  return `${where}: the sampled flag changed on the way.`;
}
