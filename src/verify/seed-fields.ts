import { parseTraceparent } from './traceparent';
import type { HopEvidence } from './types';

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
