import type { SpanKindName, SpanRecord } from '../verify/types';
import { flattenAttributes } from './attributes';
import type { OtlpKeyValue, OtlpSpan, OtlpTraceRequest } from './internal-types';
import type { RejectedSpan } from './types';

/** OTLP span kind = API kind + 1; UNSPECIFIED (0), like any value the .proto lacks, is internal. */
const KIND_NAMES: Readonly<Record<number, SpanKindName>> = {
  1: 'internal',
  2: 'server',
  3: 'client',
  4: 'producer',
  5: 'consumer',
};

// Span.flags bits (trace.proto, SpanFlags): whether the parent's remote-ness is known, and if so,
// whether the parent span context came from another process.
const SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK = 0x100;
const SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK = 0x200;

const SERVICE_NAME = 'service.name';
// The SDKs' fallback when no service name is configured (semantic conventions, `service.name`).
const UNKNOWN_SERVICE = 'unknown_service';

export interface Conversion {
  spans: SpanRecord[];
  rejected: RejectedSpan[];
}

/**
 * Turns a decoded request into span records. A span whose ids cannot identify it in a trace is
 * rejected on its own (OTLP partial success); the rest of the batch is kept.
 */
export function toSpanRecords(request: OtlpTraceRequest): Conversion {
  const conversion: Conversion = { spans: [], rejected: [] };
  for (const { resourceAttributes, spans } of request.resourceSpans) {
    const service = serviceName(resourceAttributes);
    for (const span of spans) {
      const reason = invalidIdReason(span);
      if (reason === undefined) {
        conversion.spans.push(toSpanRecord(span, service));
      } else {
        conversion.rejected.push({
          service,
          name: span.name,
          traceId: span.traceId,
          spanId: span.spanId,
          reason,
        });
      }
    }
  }
  return conversion;
}

function toSpanRecord(span: OtlpSpan, service: string): SpanRecord {
  const parentSpanId = isRootParent(span.parentSpanId) ? undefined : span.parentSpanId;
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId,
    // For a root there is no parent to be remote; OTel JS still sets the "known" bit on roots,
    // and the in-process records say undefined there, so both paths agree.
    parentIsRemote: parentSpanId === undefined ? undefined : parentIsRemote(span.flags),
    name: span.name,
    kind: KIND_NAMES[span.kind] ?? 'internal',
    service,
    startTimeMs: nanosToMillis(span.startTimeUnixNano),
    endTimeMs: nanosToMillis(span.endTimeUnixNano),
    attributes: flattenAttributes(span.attributes),
  };
}

function parentIsRemote(flags: number): boolean | undefined {
  if ((flags & SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK) === 0) return undefined;
  return (flags & SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK) !== 0;
}

/** Why a span's ids are unusable, or undefined when they are fine. */
function invalidIdReason(span: OtlpSpan): string | undefined {
  return (
    idProblem('trace id', span.traceId, 16) ??
    idProblem('span id', span.spanId, 8) ??
    (isRootParent(span.parentSpanId) || isHexOfLength(span.parentSpanId, 8)
      ? undefined
      : `parent span id ${quote(span.parentSpanId)} is not 16 hex digits`)
  );
}

function idProblem(label: string, id: string, bytes: number): string | undefined {
  if (!isHexOfLength(id, bytes)) return `${label} ${quote(id)} is not ${bytes * 2} hex digits`;
  if (/^0+$/.test(id)) return `${label} is all zeros (an invalid, no-op span context)`;
  return undefined;
}

function isHexOfLength(id: string, bytes: number): boolean {
  return id.length === bytes * 2 && /^[0-9a-f]+$/.test(id);
}

/** An empty parent id, or the all-zero one, both mean "no parent". */
function isRootParent(id: string): boolean {
  return id === '' || id === '0000000000000000';
}

function quote(id: string): string {
  return id === '' ? '(empty)' : `"${id.length > 40 ? `${id.slice(0, 40)}…` : id}"`;
}

function serviceName(resourceAttributes: readonly OtlpKeyValue[]): string {
  const name = flattenAttributes(resourceAttributes)[SERVICE_NAME];
  return name === undefined || name === '' ? UNKNOWN_SERVICE : String(name);
}

/** Nanoseconds (exact, as a decimal string) to milliseconds with the sub-millisecond part kept. */
export function nanosToMillis(nanos: string): number {
  const value = BigInt(nanos);
  return Number(value / 1_000_000n) + Number(value % 1_000_000n) / 1e6;
}
