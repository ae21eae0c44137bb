import type { SpanRecord } from '../verify/types';

/** A span as the JSON result lists it. */
export interface SpanRow {
  service: string;
  name: string;
  kind: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
}

export function spanRows(spans: readonly SpanRecord[]): SpanRow[] {
  return spans.map((span) => ({
    service: span.service,
    name: span.name,
    kind: span.kind,
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId ?? null,
  }));
}
