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

/**
 * The attributes a span record keeps: those the checks and the report read (the service, the
 * call's method, address, port, URL and route, the status). The rest (user agent, sizes, flavors)
 * would multiply the memory of a 470,000-span run for nothing.
 */
const KEPT_ATTRIBUTES = new Set([
  SERVICE_ATTRIBUTE,
  'http.request.method',
  'http.method',
  'http.response.status_code',
  'http.status_code',
  'http.route',
  'http.target',
  'http.url',
  'url.full',
  'url.path',
  'server.address',
  'server.port',
  'net.peer.name',
  'net.peer.port',
  'net.host.name',
  'net.host.port',
  'koa.type',
  'koa.name',
]);

/** Converts an SDK span into the verifier's span record. */
export function toSpanRecord(span: ReadableSpan): SpanRecord {
  const context = span.spanContext();
  const attributes: Record<string, AttributeValue> = {};
  for (const key in span.attributes) {
    if (!KEPT_ATTRIBUTES.has(key)) continue;
    const value = span.attributes[key];
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
