import { SpanKind, TraceFlags, type HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { AttributeValue, SpanKindName, SpanRecord } from '../../../verify/types';

/** The span attribute that says which embedded service produced a span. */
export const SERVICE_ATTRIBUTE = 'propagation_check.service';

const KIND_NAMES: Record<SpanKind, SpanKindName> = {
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

/**
 * The attributes a span record keeps: the ports the checks match a client span to its hop by, and
 * the route. The rest (method, URLs, user agent, sizes, status) would take about 200 MB in a
 * 470,000-span run, for checks that never read them; the span names still say what each span is.
 */
const KEPT_ATTRIBUTES = ['server.port', 'net.peer.port', 'net.host.port', 'http.route'] as const;

/** Converts an SDK span into the verifier's span record. */
export function toSpanRecord(span: ReadableSpan): SpanRecord {
  const context = span.spanContext();
  const attributes: Record<string, AttributeValue> = {};
  for (const key of KEPT_ATTRIBUTES) {
    const value = span.attributes[key];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      attributes[key] = value;
    } else if (Array.isArray(value)) {
      attributes[key] = value.join(',');
    }
  }
  const service = span.attributes[SERVICE_ATTRIBUTE];
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    parentIsRemote: span.parentSpanContext?.isRemote,
    name: span.name,
    kind: KIND_NAMES[span.kind],
    service: typeof service === 'string' ? service : 'unknown',
    startTimeMs: toMillis(span.startTime),
    endTimeMs: toMillis(span.endTime),
    attributes,
    sampled: (context.traceFlags & TraceFlags.SAMPLED) !== 0,
  };
}

function toMillis([seconds, nanos]: HrTime): number {
  return seconds * 1000 + nanos / 1e6;
}
