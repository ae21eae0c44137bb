import type { AttributeValue, SpanKindName, SpanRecord } from '../verify/types';

/** OTLP span kinds: the API kind plus one (trace.proto, Span.SpanKind). */
const OTLP_KIND: Record<SpanKindName, number> = {
  internal: 1,
  server: 2,
  client: 3,
  producer: 4,
  consumer: 5,
};
/** Span.flags (trace.proto, SpanFlags): the parent's remote-ness is known, and it is remote. */
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;
/** The low byte: the span's W3C trace flags, bit 0 sampled. */
const SAMPLED = 0x01;

/**
 * Spans as an OTLP/JSON `ExportTraceServiceRequest` (resourceSpans > scopeSpans > spans, hex
 * ids, nanoseconds as strings, kinds as integers), grouped by service: the file any OTLP/JSON
 * reader can load. Records keep only what the verifier reads, so resources carry `service.name`
 * alone and span status and events are absent.
 */
export function otlpJson(spans: readonly SpanRecord[]): string {
  const byService = new Map<string, SpanRecord[]>();
  for (const span of spans) {
    const list = byService.get(span.service);
    if (list === undefined) byService.set(span.service, [span]);
    else list.push(span);
  }
  const resourceSpans = [...byService].map(([service, records]) => ({
    resource: { attributes: [keyValue('service.name', service)] },
    scopeSpans: [{ scope: { name: 'propagation-check' }, spans: records.map(otlpSpan) }],
  }));
  return `${JSON.stringify({ resourceSpans })}\n`;
}

function otlpSpan(span: SpanRecord): object {
  const flags =
    (span.parentIsRemote === undefined
      ? 0
      : HAS_IS_REMOTE | (span.parentIsRemote ? IS_REMOTE : 0)) |
    (span.sampled === true ? SAMPLED : 0);
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    ...(span.parentSpanId !== undefined && { parentSpanId: span.parentSpanId }),
    ...(flags !== 0 && { flags }),
    name: span.name,
    kind: OTLP_KIND[span.kind],
    startTimeUnixNano: millisToNanos(span.startTimeMs),
    endTimeUnixNano: millisToNanos(span.endTimeMs),
    attributes: Object.entries(span.attributes).map(([key, value]) => keyValue(key, value)),
  };
}

function keyValue(key: string, value: AttributeValue): object {
  if (typeof value === 'string') return { key, value: { stringValue: value } };
  if (typeof value === 'boolean') return { key, value: { boolValue: value } };
  return Number.isSafeInteger(value)
    ? { key, value: { intValue: String(value) } }
    : { key, value: { doubleValue: value } };
}

/** Milliseconds (fractional, as records hold them) to whole nanoseconds, as a decimal string. */
function millisToNanos(ms: number): string {
  const whole = Math.trunc(ms);
  const nanos = Math.round((ms - whole) * 1e6);
  return (BigInt(whole) * 1_000_000n + BigInt(nanos)).toString();
}
