import type { SpanRecord } from '../verify/types';
import { inertName, inertNameOrNull } from './untrusted';

/** A span as the JSON result lists it. */
export interface SpanRow {
  service: string;
  name: string;
  kind: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
}

/** The spans as the result lists them: every field was sent by a service, so made inert here. */
export function spanRows(spans: readonly SpanRecord[]): SpanRow[] {
  return spans.map((span) => ({
    service: inertName(span.service),
    name: inertName(span.name),
    kind: inertName(span.kind),
    trace_id: inertName(span.traceId),
    span_id: inertName(span.spanId),
    parent_span_id: inertNameOrNull(span.parentSpanId),
  }));
}
