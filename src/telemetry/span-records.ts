import { SpanKind, type HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { AttributeValue, SpanKindName, SpanRecord } from '../verify/types';

/** The span attribute that says which embedded service produced a span. */
export const SERVICE_ATTRIBUTE = 'propagation_check.service';

const KIND_NAMES: Record<SpanKind, SpanKindName> = {
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

/** Converts an SDK span into the verifier's span record. */
export function toSpanRecord(span: ReadableSpan): SpanRecord {
  const context = span.spanContext();
  const attributes: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(span.attributes)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      attributes[key] = value;
    } else if (Array.isArray(value)) {
      attributes[key] = value.join(',');
    }
  }
  const service = attributes[SERVICE_ATTRIBUTE];
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
  };
}

function toMillis([seconds, nanos]: HrTime): number {
  return seconds * 1000 + nanos / 1e6;
}
