import type { AttributeValue, SpanKindName } from '../verify/types';
import { StoredSpan } from './span-store';
import type { RejectedSpan } from './types';

/** OTLP span kind = API kind + 1; UNSPECIFIED (0), like any value the .proto lacks, is internal. */
const KIND_NAMES: readonly SpanKindName[] = [
  'internal',
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
];

// Span.flags bits (trace.proto, SpanFlags): whether the parent's remote-ness is known, and if so,
// whether the parent span context came from another process.
const SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK = 0x100;
const SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK = 0x200;
// The low byte is the span's W3C trace flags; bit 0 is "sampled".
const TRACE_FLAGS_SAMPLED = 0x01;

export const SERVICE_NAME = 'service.name';
// The SDKs' fallback when no service name is configured (semantic conventions, `service.name`).
const UNKNOWN_SERVICE = 'unknown_service';

/** Spans without attributes share this one (frozen: span records are only ever read). */
export const NO_ATTRIBUTES: Readonly<Record<string, AttributeValue>> = Object.freeze({});

const ALL_ZERO_SPAN_ID = '0000000000000000';

/**
 * What both decoders (binary protobuf and OTLP/JSON) write into, span by span, with the
 * encodings' differences already removed: ids as lower-case hex exactly as received (validated
 * here), times in milliseconds, attributes flattened. A span whose ids cannot identify it in a
 * trace is rejected on its own (OTLP partial success); the rest of the batch is kept.
 */
export class SpanBatch {
  readonly spans: StoredSpan[] = [];
  readonly rejected: RejectedSpan[] = [];
  /** The service of the spans added next: set per resource. */
  private service = UNKNOWN_SERVICE;

  /** `idsAreHex`: the decoder made the ids from bytes, so their digits need no check. */
  constructor(private readonly idsAreHex = false) {}

  /** `service.name` of the resource the next spans come from; absent or empty is unknown. */
  setService(name: AttributeValue | undefined): void {
    this.service = name === undefined || name === '' ? UNKNOWN_SERVICE : String(name);
  }

  add(
    traceId: string,
    spanId: string,
    parentSpanId: string,
    flags: number,
    name: string,
    kind: number,
    startTimeMs: number,
    endTimeMs: number,
    attributes: Record<string, AttributeValue>,
  ): void {
    const reason = invalidIdReason(traceId, spanId, parentSpanId, this.idsAreHex);
    if (reason !== undefined) {
      this.rejected.push({ service: this.service, name, traceId, spanId, reason });
      return;
    }
    const isRoot = parentSpanId === '' || parentSpanId === ALL_ZERO_SPAN_ID;
    this.spans.push(
      new StoredSpan(
        traceId,
        spanId,
        isRoot ? undefined : parentSpanId,
        // For a root there is no parent to be remote; OTel JS still sets the "known" bit on
        // roots, and the in-process records say undefined there, so both paths agree.
        isRoot ? undefined : parentIsRemote(flags),
        name,
        KIND_NAMES[kind] ?? 'internal',
        this.service,
        startTimeMs,
        endTimeMs,
        attributes,
        // Span.flags 0: an exporter older than the field, which says nothing about sampling.
        flags === 0 ? undefined : (flags & TRACE_FLAGS_SAMPLED) !== 0,
      ),
    );
  }
}

function parentIsRemote(flags: number): boolean | undefined {
  if ((flags & SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK) === 0) return undefined;
  return (flags & SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK) !== 0;
}

/** Why a span's ids are unusable, or undefined when they are fine. */
function invalidIdReason(
  traceId: string,
  spanId: string,
  parentSpanId: string,
  idsAreHex: boolean,
): string | undefined {
  return (
    idProblem('trace id', traceId, 16, idsAreHex) ??
    idProblem('span id', spanId, 8, idsAreHex) ??
    (parentSpanId === '' || isHexOfLength(parentSpanId, 8, idsAreHex)
      ? undefined
      : `parent span id ${quote(parentSpanId)} is not 16 hex digits`)
  );
}

function idProblem(label: string, id: string, bytes: number, idsAreHex: boolean) {
  if (!isHexOfLength(id, bytes, idsAreHex)) {
    return `${label} ${quote(id)} is not ${bytes * 2} hex digits`;
  }
  if (isAllZeros(id)) return `${label} is all zeros (an invalid, no-op span context)`;
  return undefined;
}

function isHexOfLength(id: string, bytes: number, idsAreHex: boolean): boolean {
  return id.length === bytes * 2 && (idsAreHex || isLowerHex(id));
}

function isLowerHex(id: string): boolean {
  for (let index = 0; index < id.length; index += 1) {
    const code = id.charCodeAt(index);
    if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) return false;
  }
  return true;
}

function isAllZeros(id: string): boolean {
  for (let index = 0; index < id.length; index += 1) if (id.charCodeAt(index) !== 48) return false;
  return true;
}

function quote(id: string): string {
  return id === '' ? '(empty)' : `"${id.length > 40 ? `${id.slice(0, 40)}…` : id}"`;
}
