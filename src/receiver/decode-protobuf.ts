import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { AttributeValue } from '../verify/types';
import { hexId, SpanIds } from './hex-id';
import { DecodeError } from './internal-types';
import { readAttribute } from './protobuf-attributes';
import {
  ProtoReader,
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_LENGTH_DELIMITED,
  WIRE_VARINT,
} from './proto-reader';
import type { SpanSource } from './ingest';
import { NO_ATTRIBUTES, SERVICE_NAME, type SpanBatch } from './span-batch';
import { SpanBounds } from './span-bounds';
import { readUtf8 } from './utf8-cache';
import { RecentAttributes, RecentString, type RecentStrings } from './protobuf-recent';

// Tags (field number << 3 | wire type) of the fields read, from the OTLP .proto files. Any other
// field, and a known field with an unexpected wire type, is skipped as unknown.
const TAG_RESOURCE_SPANS = (1 << 3) | WIRE_LENGTH_DELIMITED; // ExportTraceServiceRequest
const TAG_RESOURCE = (1 << 3) | WIRE_LENGTH_DELIMITED; // ResourceSpans
const TAG_SCOPE_SPANS = (2 << 3) | WIRE_LENGTH_DELIMITED; // ResourceSpans
const TAG_RESOURCE_ATTRIBUTE = (1 << 3) | WIRE_LENGTH_DELIMITED; // Resource
const TAG_SPAN = (2 << 3) | WIRE_LENGTH_DELIMITED; // ScopeSpans
// Span
const TAG_TRACE_ID = (1 << 3) | WIRE_LENGTH_DELIMITED;
const TAG_SPAN_ID = (2 << 3) | WIRE_LENGTH_DELIMITED;
const TAG_PARENT_SPAN_ID = (4 << 3) | WIRE_LENGTH_DELIMITED;
const TAG_NAME = (5 << 3) | WIRE_LENGTH_DELIMITED;
const TAG_KIND = (6 << 3) | WIRE_VARINT;
const TAG_START_TIME = (7 << 3) | WIRE_FIXED64;
const TAG_END_TIME = (8 << 3) | WIRE_FIXED64;
const TAG_ATTRIBUTE = (9 << 3) | WIRE_LENGTH_DELIMITED;
const TAG_FLAGS = (16 << 3) | WIRE_FIXED32;

// The index pass pauses (yields to its driver) after this many spans; its async driver lets the
// event loop run once this much time has passed since it last did, as `ingest` does.
const SPANS_PER_STEP = 4096;
const YIELD_AFTER_MS = 10;

/**
 * Where each span of a binary `ExportTraceServiceRequest` lies, found by a first pass that only
 * walks the three outer levels (request, resource spans, scope spans). The spans themselves are
 * decoded later, in slices (`decodeSpans`), so a large batch never holds the event loop for long,
 * and spans past the store's cap need not be decoded at all.
 */
export interface ProtobufSpanIndex {
  body: Buffer;
  /**
   * Start and end offset of every span message, in order: [start0, end0, start1, end1, ...]. In
   * a typed array outside the JS heap, so a 300,000-span batch adds nothing for the GC to copy.
   */
  bounds: SpanBounds;
  /** Index of the first span of each resource, and that resource's `service.name` value. */
  resourceFirstSpan: number[];
  resourceService: (AttributeValue | undefined)[];
  /** The span ids decoded so far, shared by every slice of the request (made by the first). */
  spanIds?: SpanIds;
}

/** Indexes a binary request (OTLP/HTTP protobuf body, or a gRPC message) in one go. */
export function indexProtobuf(body: Buffer): ProtobufSpanIndex {
  const index = newIndex(body);
  const scan = scanProtobuf(index);
  guarded(() => {
    while (scan.next().done !== true);
  });
  return index;
}

/** A binary request's spans, for `ingest`: indexed now, decoded slice by slice. */
export function protobufSource(body: Buffer): SpanSource {
  return sourceOf(indexProtobuf(body));
}

/**
 * `protobufSource` for a large body: the index pass lets the event loop run once `YIELD_AFTER_MS`
 * has passed, as decoding does (`ingest`). A 16 MiB batch holds about 300,000 spans; walking them
 * all in one go held the loop for tens of milliseconds before the first slice was decoded.
 */
export async function protobufSourceYielding(body: Buffer): Promise<SpanSource> {
  const index = newIndex(body);
  const scan = scanProtobuf(index);
  let ranAt = performance.now();
  let yielded = false;
  for (;;) {
    let done = false;
    guarded(() => {
      done = scan.next().done === true;
    });
    // After a long pass, decoding starts in a fresh turn of the loop, with its own time budget.
    if (done ? yielded : performance.now() - ranAt >= YIELD_AFTER_MS) {
      await yieldToEventLoop();
      ranAt = performance.now();
      yielded = true;
    }
    if (done) return sourceOf(index);
  }
}

/** An index of `body` before its pass has run. */
export function newIndex(body: Buffer): ProtobufSpanIndex {
  return { body, bounds: new SpanBounds(), resourceFirstSpan: [], resourceService: [] };
}

function sourceOf(index: ProtobufSpanIndex): SpanSource {
  return {
    count: index.bounds.count,
    idsAreHex: true,
    decode: (from, to, batch) => decodeSpans(index, from, to, batch),
  };
}

/** Decodes spans [from, to) of an indexed request into the batch. */
export function decodeSpans(
  index: ProtobufSpanIndex,
  from: number,
  to: number,
  batch: SpanBatch,
): void {
  guarded(() => {
    const { body, bounds, resourceFirstSpan, resourceService } = index;
    // The resource of span `from`: the last one that starts at or before it.
    let resource = -1;
    const reader = new ProtoReader(body, 0, body.length);
    index.spanIds ??= new SpanIds(body);
    const recent: RecentStrings = {
      traceId: new RecentString(body, hexId),
      name: new RecentString(body, readUtf8),
      spanIds: index.spanIds,
    };
    const attributes = new RecentAttributes(body);
    for (let span = from; span < to; span += 1) {
      let changed = resource < 0;
      if (changed) resource = 0;
      while (resource + 1 < resourceFirstSpan.length && resourceFirstSpan[resource + 1]! <= span) {
        resource += 1;
        changed = true;
      }
      if (changed) batch.setService(resourceService[resource]);
      reader.pos = bounds.startOf(span);
      reader.end = bounds.endOf(span);
      decodeSpan(reader, recent, attributes, batch);
    }
  });
}

type Scan = Generator<void, void, void>;

/**
 * Work left in the index pass's current step. Spans, scope spans and resources each count one,
 * across the whole body: a body of many small scopes or resources (a Collector forwarding one
 * resource per span) yields as often as one large scope does.
 */
class StepBudget {
  private left = SPANS_PER_STEP;

  /** Counts one unit of work; true when the step is over and the pass yields. */
  spend(): boolean {
    if (--this.left > 0) return false;
    this.left = SPANS_PER_STEP;
    return true;
  }
}

/**
 * The index pass, in steps of at most SPANS_PER_STEP spans, scopes and resources (a step ends
 * with a `yield`).
 */
export function* scanProtobuf(index: ProtobufSpanIndex): Scan {
  const { body } = index;
  const reader = new ProtoReader(body, 0, body.length);
  const steps = new StepBudget();
  while (reader.pos < reader.end) {
    const tag = reader.tag();
    if (tag === TAG_RESOURCE_SPANS) yield* indexResourceSpans(reader, index, steps);
    else reader.skip(tag & 7);
  }
}

function* indexResourceSpans(
  reader: ProtoReader,
  index: ProtobufSpanIndex,
  steps: StepBudget,
): Scan {
  const outerEnd = reader.enter();
  let service: AttributeValue | undefined;
  index.resourceFirstSpan.push(index.bounds.count);
  while (reader.pos < reader.end) {
    const tag = reader.tag();
    // protobufjs replaced a message field given twice; the last resource wins here as well.
    if (tag === TAG_RESOURCE) service = readServiceName(reader);
    else if (tag === TAG_SCOPE_SPANS) yield* indexScopeSpans(reader, index.bounds, steps);
    else reader.skip(tag & 7);
  }
  reader.leave(outerEnd);
  index.resourceService.push(service);
  if (steps.spend()) yield;
}

function* indexScopeSpans(reader: ProtoReader, bounds: SpanBounds, steps: StepBudget): Scan {
  const outerEnd = reader.enter();
  while (reader.pos < reader.end) {
    const tag = reader.tag();
    if (tag === TAG_SPAN) {
      const spanEnd = reader.lengthEnd();
      bounds.add(reader.pos, spanEnd);
      reader.pos = spanEnd;
      if (steps.spend()) yield;
    } else reader.skip(tag & 7);
  }
  reader.leave(outerEnd);
  if (steps.spend()) yield;
}

/** The value of the last `service.name` attribute of a Resource message. */
function readServiceName(reader: ProtoReader): AttributeValue | undefined {
  const outerEnd = reader.enter();
  const attributes: Record<string, AttributeValue> = {};
  while (reader.pos < reader.end) {
    const tag = reader.tag();
    if (tag === TAG_RESOURCE_ATTRIBUTE) readAttribute(reader, attributes);
    else reader.skip(tag & 7);
  }
  reader.leave(outerEnd);
  return attributes[SERVICE_NAME];
}

/** One Span message, from `reader.pos` to `reader.end`, into the batch. */
function decodeSpan(
  reader: ProtoReader,
  recent: RecentStrings,
  recentAttributes: RecentAttributes,
  batch: SpanBatch,
): void {
  let traceId = '';
  let spanId = '';
  let parentSpanId = '';
  let name = '';
  let kind = 0;
  let flags = 0;
  let startTimeMs = 0;
  let endTimeMs = 0;
  let attributes: Record<string, AttributeValue> | undefined;
  while (reader.pos < reader.end) {
    const tag = reader.tag();
    if (tag === TAG_TRACE_ID || tag === TAG_SPAN_ID || tag === TAG_PARENT_SPAN_ID) {
      const idEnd = reader.lengthEnd();
      if (tag === TAG_TRACE_ID) traceId = recent.traceId.at(reader.pos, idEnd);
      else if (tag === TAG_SPAN_ID) spanId = recent.spanIds.at(reader.pos, idEnd);
      else parentSpanId = recent.spanIds.at(reader.pos, idEnd);
      reader.pos = idEnd;
    } else if (tag === TAG_NAME) {
      const nameEnd = reader.lengthEnd();
      name = recent.name.at(reader.pos, nameEnd);
      reader.pos = nameEnd;
    } else if (tag === TAG_KIND) kind = reader.uint32() | 0;
    else if (tag === TAG_START_TIME) startTimeMs = reader.fixed64Millis();
    else if (tag === TAG_END_TIME) endTimeMs = reader.fixed64Millis();
    else if (tag === TAG_ATTRIBUTE) {
      // The span's first run of attributes may be the previous span's, byte for byte: shared.
      if (attributes === undefined) attributes = recentAttributes.at(reader);
      else {
        // Attributes split by other fields (no SDK writes them so) go into a copy, never into
        // a record another span shares.
        if (recentAttributes.isShared(attributes)) attributes = { ...attributes };
        readAttribute(reader, attributes);
      }
    } else if (tag === TAG_FLAGS) flags = reader.fixed32();
    else reader.skip(tag & 7);
  }
  const kept = attributes ?? NO_ATTRIBUTES;
  batch.add(traceId, spanId, parentSpanId, flags, name, kind, startTimeMs, endTimeMs, kept);
}

/** Every decoding failure says what the body is not, with the reader's detail. */
function guarded(decode: () => void): void {
  try {
    decode();
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new DecodeError(`The body is not a protobuf ExportTraceServiceRequest: ${detail}.`);
  }
}
