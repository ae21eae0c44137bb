/**
 * The one pass of the OTLP/JSON byte reader: validates the body, finds where each span lies (and
 * each resource's `service.name`) and reads the spans as it validates them, without building the
 * object graph, in steps so that its driver (`jsonSource`) can yield to the event loop. The spans
 * it reads are kept, not stored: only once the whole body is known to be valid JSON does `ingest`
 * store them (a body that is not JSON is refused whole, as by the generic path). Spans past the
 * store's room, after a span the generic path would refuse, or of a resource whose `resource`
 * comes after its spans are only validated here and read later from their bounds.
 */
import type { AttributeValue } from '../verify/types';
import { readSpan } from './decode-json-parsed';
import { readKeyValuesFast } from './json-attribute-reader';
import { type RecentFields, recentFields } from './json-recent';
import { readSpanFast } from './json-span-reader';
import {
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COLON,
  COMMA,
  FALLBACK,
  OPEN_ARRAY,
  OPEN_OBJECT,
  QUOTE,
  BACKSLASH,
  bytesAre,
  skipSpace,
} from './json-syntax';
import { validString, validValue } from './json-validate';
import { FieldError } from './json-values';
import { SERVICE_NAME, SpanBatch } from './span-batch';
import { SpanBounds } from './span-bounds';
import type { StoredSpan } from './span-store';
import type { RejectedSpan } from './types';

/** What the pass reads spans with, and whether it still does. */
interface Reading {
  /** Spans are read while fewer than this many are (the store's room when the body came). */
  readonly limit: number;
  /** False once a span was only validated: the spans read are always a prefix. */
  on: boolean;
  /** Whether the current resource's `service.name` is known (its `resource` came first). */
  serviceKnown: boolean;
  /** For spans read by the fast reader, whose ids are lower-case hex by construction. */
  readonly batch: SpanBatch;
  /** For unusual spans, read the generic way. */
  readonly slowBatch: SpanBatch;
  readonly recent: RecentFields;
}

/** Where the spans of a validated OTLP/JSON body lie. */
export interface ScannedJsonIndex {
  body: Buffer;
  /** Start and end offset of every span value, in order. */
  bounds: SpanBounds;
  resourceFirstSpan: number[];
  resourceService: (AttributeValue | undefined)[];
  /** Per scope: its first span, and its resource's and its own position, for error paths. */
  scopeFirstSpan: number[];
  scopeResource: number[];
  scopeItem: number[];
  /**
   * Spans [0, decoded.length) as read by the pass, each the record `SpanBatch.add` made of it
   * (stored, or rejected for its ids); the others are read later from their bounds.
   */
  decoded: (StoredSpan | RejectedSpan)[];
  reading: Reading;
}

/** A fresh index; the pass reads at most `limit` spans (the rest it only validates). */
export function newIndex(body: Buffer, limit = Number.POSITIVE_INFINITY): ScannedJsonIndex {
  return {
    body,
    bounds: new SpanBounds(),
    resourceFirstSpan: [],
    resourceService: [],
    scopeFirstSpan: [],
    scopeResource: [],
    scopeItem: [],
    decoded: [],
    reading: {
      limit,
      on: limit > 0,
      serviceKnown: false,
      batch: new SpanBatch(true),
      slowBatch: new SpanBatch(false),
      recent: recentFields(body),
    },
  };
}

/** Indexes (and reads) the body in one go; undefined when it must take the generic path. */
export function scanJson(body: Buffer, limit?: number): ScannedJsonIndex | undefined {
  const index = newIndex(body, limit);
  const scan = scanBody(body, index);
  let step = scan.next();
  while (step.done !== true) step = scan.next();
  return step.value ? index : undefined;
}

// The first pass pauses (yields to its driver) after this many spans.
const SPANS_PER_STEP = 256;

type Scan<T> = Generator<void, T, void>;

/** The first pass, in steps; returns false when the body must take the generic path. */
export function* scanBody(body: Buffer, index: ScannedJsonIndex): Scan<boolean> {
  try {
    const start = skipSpace(body, 0);
    if (body[start] !== OPEN_OBJECT) return false;
    let seen = false;
    const after = yield* forEachMember(body, start, function* (keyStart, keyEnd, at) {
      if (!bytesAre(body, keyStart, keyEnd, 'resourceSpans')) return validEnd(body, at);
      if (seen) throw FALLBACK;
      seen = true;
      return yield* forEachElement(body, at, (item, resource) =>
        scanResourceSpans(body, item, resource, index),
      );
    });
    return skipSpace(body, after) === body.length;
  } catch (error) {
    if (error === FALLBACK || error instanceof FieldError) return false;
    throw error;
  }
}

function* scanResourceSpans(
  body: Buffer,
  pos: number,
  resource: number,
  index: ScannedJsonIndex,
): Scan<number> {
  if (body[pos] !== OPEN_OBJECT) throw FALLBACK;
  index.resourceFirstSpan.push(index.bounds.count);
  index.resourceService.push(undefined);
  index.reading.serviceKnown = false;
  let seen = 0;
  return yield* forEachMember(body, pos, function* (keyStart, keyEnd, at) {
    if (bytesAre(body, keyStart, keyEnd, 'resource')) {
      if ((seen & 1) !== 0 || body[at] !== OPEN_OBJECT) throw FALLBACK;
      seen |= 1;
      const end = yield* scanResource(body, at, resource, index);
      index.reading.batch.setService(index.resourceService[resource]);
      index.reading.slowBatch.setService(index.resourceService[resource]);
      index.reading.serviceKnown = true;
      return end;
    }
    if (!bytesAre(body, keyStart, keyEnd, 'scopeSpans')) return validEnd(body, at);
    if ((seen & 2) !== 0) throw FALLBACK;
    seen |= 2;
    return yield* forEachElement(body, at, function* (scope, item) {
      if (body[scope] !== OPEN_OBJECT) throw FALLBACK;
      index.scopeFirstSpan.push(index.bounds.count);
      index.scopeResource.push(resource);
      index.scopeItem.push(item);
      let spansSeen = false;
      return yield* forEachMember(body, scope, function* (spansStart, spansEnd, spans) {
        if (!bytesAre(body, spansStart, spansEnd, 'spans')) return validEnd(body, spans);
        if (spansSeen) throw FALLBACK;
        spansSeen = true;
        return yield* scanSpans(body, spans, index);
      });
    });
  });
}

/**
 * A `spans` array: each span validated (and read, while reading is on) and its bounds noted, a
 * step every SPANS_PER_STEP.
 */
function* scanSpans(body: Buffer, pos: number, index: ScannedJsonIndex): Scan<number> {
  if (body[pos] !== OPEN_ARRAY) throw FALLBACK;
  const { bounds, reading } = index;
  let at = skipSpace(body, pos + 1);
  if (body[at] === CLOSE_ARRAY) return at + 1;
  for (let item = 1; ; item += 1) {
    if (reading.on && (!reading.serviceKnown || index.decoded.length >= reading.limit)) {
      reading.on = false;
    }
    const spanEnd = reading.on ? readSpanEnd(body, at, index) : validEnd(body, at);
    bounds.add(at, spanEnd);
    at = skipSpace(body, spanEnd);
    if (body[at] === CLOSE_ARRAY) return at + 1;
    if (body[at] !== COMMA) throw FALLBACK;
    at = skipSpace(body, at + 1);
    if (item % SPANS_PER_STEP === 0) yield;
  }
}

function* scanResource(
  body: Buffer,
  pos: number,
  resource: number,
  index: ScannedJsonIndex,
): Scan<number> {
  let seen = false;
  return yield* forEachMember(body, pos, (keyStart, keyEnd, at) => {
    const valueEnd = validEnd(body, at);
    if (!bytesAre(body, keyStart, keyEnd, 'attributes')) return valueEnd;
    if (seen || body[at] !== OPEN_ARRAY) throw FALLBACK;
    seen = true;
    index.resourceService[resource] = readKeyValuesFast(body, at, 0)[SERVICE_NAME];
    return valueEnd;
  });
}

/**
 * Reads the span at `pos` (fast, or for an unusual span the generic way) into `index.decoded`;
 * returns its end. A span that is not valid JSON throws FALLBACK (the body takes the generic
 * path); one the generic conversion refuses stops the reading, so that `ingest` reads it (and
 * refuses the request) only after storing the spans before it, as it always did.
 */
function readSpanEnd(body: Buffer, pos: number, index: ScannedJsonIndex): number {
  const { recent } = index.reading;
  let batch = index.reading.batch;
  let end: number;
  try {
    end = readSpanFast(body, pos, recent, batch);
  } catch (error) {
    if (error !== FALLBACK && !(error instanceof FieldError)) throw error;
    end = validEnd(body, pos);
    batch = index.reading.slowBatch;
    try {
      readSpan(JSON.parse(body.toString('utf8', pos, end)), batch);
    } catch (refused) {
      if (!(refused instanceof FieldError)) throw refused;
      index.reading.on = false;
      return end;
    }
  }
  // The record `add` made is the last of one of the batch's lists; they stay empty between spans.
  index.decoded.push(batch.spans.length > 0 ? batch.spans.pop()! : batch.rejected.pop()!);
  return end;
}

/** The end of the valid JSON value at `pos`; FALLBACK if it is not valid. */
function validEnd(body: Buffer, pos: number): number {
  const end = validValue(body, pos, body.length);
  if (end < 0) throw FALLBACK;
  return end;
}

/**
 * Visits each member of the object at `pos` (its key's bytes, without quotes, and its value's
 * position); `visit` returns the value's end. Returns the object's end. Validates the object's
 * own syntax; a key with an escape may spell a known name, so it takes the generic path.
 */
function* forEachMember(
  body: Buffer,
  pos: number,
  visit: (keyStart: number, keyEnd: number, at: number) => Scan<number> | number,
): Scan<number> {
  let at = skipSpace(body, pos + 1);
  if (body[at] === CLOSE_OBJECT) return at + 1;
  for (;;) {
    if (body[at] !== QUOTE) throw FALLBACK;
    const keyEnd = validString(body, at, body.length);
    if (keyEnd < 0) throw FALLBACK;
    for (let byte = at + 1; byte < keyEnd; byte += 1) if (body[byte] === BACKSLASH) throw FALLBACK;
    const colon = skipSpace(body, keyEnd);
    if (body[colon] !== COLON) throw FALLBACK;
    const visited = visit(at + 1, keyEnd - 1, skipSpace(body, colon + 1));
    at = skipSpace(body, typeof visited === 'number' ? visited : yield* visited);
    if (body[at] === CLOSE_OBJECT) return at + 1;
    if (body[at] !== COMMA) throw FALLBACK;
    at = skipSpace(body, at + 1);
  }
}

/** Visits each item of the array at `pos`; null or another type takes the generic path. */
function* forEachElement(
  body: Buffer,
  pos: number,
  visit: (at: number, item: number) => Scan<number>,
): Scan<number> {
  if (body[pos] !== OPEN_ARRAY) throw FALLBACK;
  let at = skipSpace(body, pos + 1);
  if (body[at] === CLOSE_ARRAY) return at + 1;
  for (let item = 0; ; item += 1) {
    at = skipSpace(body, yield* visit(at, item));
    if (body[at] === CLOSE_ARRAY) return at + 1;
    if (body[at] !== COMMA) throw FALLBACK;
    at = skipSpace(body, at + 1);
  }
}
