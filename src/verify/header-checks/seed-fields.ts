import { parseTraceparent } from '../formats/traceparent';
import type { CheckSummary, HopEvidence } from '../types';

/**
 * The first hop's evidence under the field names users already parse. Their meaning is fixed:
 * `parent_matches_traceparent` is false when no valid traceparent arrived.
 */
export interface SeedFields {
  same_trace: boolean;
  service_a_trace_id: string;
  service_b_trace_id: string;
  traceparent_header: string | null;
  traceparent_parent_span_id: string | null;
  service_b_parent_span_id: string | null;
  parent_matches_traceparent: boolean;
}

export function seedFields(hop: HopEvidence): SeedFields {
  const header = hop.headers['traceparent'];
  const parsed = parseTraceparent(header);
  const headerParent = parsed.ok ? parsed.value.parentId : null;
  const calleeParent = hop.calleeReport.parentSpanId ?? null;
  return {
    same_trace:
      /^(?!0{32})[0-9a-f]{32}$/.test(hop.callerReport.traceId) &&
      hop.callerReport.traceId === hop.calleeReport.traceId,
    service_a_trace_id: hop.callerReport.traceId,
    service_b_trace_id: hop.calleeReport.traceId,
    traceparent_header: header ?? null,
    traceparent_parent_span_id: headerParent,
    service_b_parent_span_id: calleeParent,
    parent_matches_traceparent: headerParent !== null && calleeParent === headerParent,
  };
}

/**
 * The same two questions asked of the whole run, for the outputs workflows branch on. Each is
 * true only when its checks ran and none failed for any request at any hop.
 */
export interface RunWideFields {
  /** Every hop of every request kept the trace: the callee reported its caller's trace id. */
  every_hop_same_trace: boolean;
  /**
   * At every hop of every request the callee's server span parent is the parent id its
   * propagation header carried, in each configured format (traceparent, b3, x-b3-*, uber-trace-id).
   * With an unsampled incoming context no span is recorded and no parent can be seen: then every
   * hop must have received a valid header of each format carrying the caller's trace.
   */
  every_hop_parent_matches: boolean;
}

export function runWideFields(checks: readonly CheckSummary[]): RunWideFields {
  const held = (rows: readonly CheckSummary[]): boolean =>
    rows.length > 0 && rows.every((row) => row.failed === 0 && row.passed > 0);
  const perHop = checks.filter((row) => row.hop !== undefined);
  const sameTrace = perHop.filter((row) => row.check === 'same_trace');
  const parents = perHop.filter((row) => row.check.startsWith('parent_matches_'));
  const headers = perHop.filter((row) => row.check.endsWith('_valid'));
  return {
    every_hop_same_trace: held(sameTrace),
    every_hop_parent_matches: parents.length > 0 ? held(parents) : held(headers) && held(sameTrace),
  };
}
