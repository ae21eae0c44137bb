import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { getErrorMessage } from '../errors';
import type { AttributeValue } from '../verify/types';
import { DecodeError } from './internal-types';
import {
  FieldError,
  intern,
  readEnum,
  readKeyValues,
  readObject,
  readOptionalObject,
  readString,
  readUint32,
  readUnixNanosAsMillis,
} from './json-values';
import { SPAN_KIND_VALUES } from './otlp-schema';
import type { SpanSource } from './ingest';
import { SERVICE_NAME, type SpanBatch } from './span-batch';
import { SpanBounds } from './decode-protobuf';
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
  validString,
  validValue,
} from './json-scan';
import { readKeyValuesFast, readSpanFast, recentFields } from './json-span-reader';

/**
 * An OTLP/JSON request's spans, for `ingest`. The body is read from its bytes: one validating
 * pass first finds where each span lies (and each resource's `service.name`), without building
 * the object graph; the spans are read later, slice by slice, keeping only the fields the
 * verifier uses. A body whose outer levels are out of the ordinary (invalid JSON, a wrong type, a
 * key given twice, an escaped key, null) takes the generic path, which refuses it with the same
 * message as always, or reads it; so does a single unusual span (see `json-span-reader.ts`).
 * The first pass yields to the event loop as decoding does (`ingest`), so a large body never
 * holds it for long.
 */
export async function jsonSource(body: Buffer): Promise<SpanSource> {
  const index = newIndex(body);
  const scan = scanBody(body, index);
  let ranAt = performance.now();
  let step = scan.next();
  while (step.done !== true) {
    if (performance.now() - ranAt >= YIELD_AFTER_MS) {
      await yieldToEventLoop();
      ranAt = performance.now();
    }
    step = scan.next();
  }
  return step.value ? scannedSource(index) : parsedJsonSource(body);
}

/** `jsonSource` in one go, without yielding (for tests and tools). */
export function jsonSourceNow(body: Buffer): SpanSource {
  const index = scanJson(body);
  return index === undefined ? parsedJsonSource(body) : scannedSource(index);
}

function scannedSource(index: ScannedJsonIndex): SpanSource {
  return {
    count: index.bounds.count,
    idsAreHex: false,
    decode: (from, to, batch) => decodeScannedSpans(index, from, to, batch),
  };
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
}

function newIndex(body: Buffer): ScannedJsonIndex {
  return {
    body,
    bounds: new SpanBounds(),
    resourceFirstSpan: [],
    resourceService: [],
    scopeFirstSpan: [],
    scopeResource: [],
    scopeItem: [],
  };
}

/** Indexes the body in one go; undefined when it must take the generic path. */
export function scanJson(body: Buffer): ScannedJsonIndex | undefined {
  const index = newIndex(body);
  const scan = scanBody(body, index);
  let step = scan.next();
  while (step.done !== true) step = scan.next();
  return step.value ? index : undefined;
}

// The first pass pauses (yields to its driver) after this many spans.
const SPANS_PER_STEP = 256;
// Its driver, like `ingest`, lets the event loop run once this much time has passed.
const YIELD_AFTER_MS = 20;

type Scan<T> = Generator<void, T, void>;

/** The first pass, in steps; returns false when the body must take the generic path. */
function* scanBody(body: Buffer, index: ScannedJsonIndex): Scan<boolean> {
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
  let seen = 0;
  return yield* forEachMember(body, pos, function* (keyStart, keyEnd, at) {
    if (bytesAre(body, keyStart, keyEnd, 'resource')) {
      if ((seen & 1) !== 0 || body[at] !== OPEN_OBJECT) throw FALLBACK;
      seen |= 1;
      return yield* scanResource(body, at, resource, index);
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
        return yield* scanSpans(body, spans, index.bounds);
      });
    });
  });
}

/** A `spans` array: each span validated and its bounds noted, a step every SPANS_PER_STEP. */
function* scanSpans(body: Buffer, pos: number, bounds: SpanBounds): Scan<number> {
  if (body[pos] !== OPEN_ARRAY) throw FALLBACK;
  let at = skipSpace(body, pos + 1);
  if (body[at] === CLOSE_ARRAY) return at + 1;
  for (let item = 1; ; item += 1) {
    const spanEnd = validEnd(body, at);
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

/** Reads spans [from, to) of a scanned request into the batch. */
export function decodeScannedSpans(
  index: ScannedJsonIndex,
  from: number,
  to: number,
  batch: SpanBatch,
): void {
  const { body, bounds, resourceFirstSpan, resourceService } = index;
  const recent = recentFields(body);
  let resource = -1;
  for (let span = from; span < to; span += 1) {
    let changed = resource < 0;
    if (changed) resource = 0;
    while (resource + 1 < resourceFirstSpan.length && resourceFirstSpan[resource + 1]! <= span) {
      resource += 1;
      changed = true;
    }
    if (changed) batch.setService(resourceService[resource]);
    try {
      readSpanFast(body, bounds.startOf(span), recent, batch);
    } catch (error) {
      if (error !== FALLBACK && !(error instanceof FieldError)) throw error;
      readSpanSlowly(index, span, batch);
    }
  }
}

/** One span the generic way: `JSON.parse` of its bytes, then the generic conversion. */
function readSpanSlowly(index: ScannedJsonIndex, span: number, batch: SpanBatch): void {
  const text = index.body.toString('utf8', index.bounds.startOf(span), index.bounds.endOf(span));
  try {
    readSpan(JSON.parse(text), batch);
  } catch (error) {
    throw located(error, scannedSpanPath(index, span));
  }
}

function scannedSpanPath(index: ScannedJsonIndex, span: number): string {
  let scope = index.scopeFirstSpan.length - 1;
  while (scope > 0 && index.scopeFirstSpan[scope]! > span) scope -= 1;
  const resource = index.scopeResource[scope]!;
  const item = index.scopeItem[scope]!;
  return `$.resourceSpans[${resource}].scopeSpans[${item}].spans[${span - index.scopeFirstSpan[scope]!}]`;
}

/**
 * The spans of a parsed OTLP/JSON `ExportTraceServiceRequest`, in order, with where each resource
 * begins: found by walking the outer levels only, so the spans can be read in slices (see
 * `decodeJsonSpans`) and those past the store's cap need not be read at all.
 */
export interface JsonSpanIndex {
  spans: unknown[];
  resourceFirstSpan: number[];
  resourceService: (AttributeValue | undefined)[];
  /** Per scope: its first span and the path of its spans array, for error messages only. */
  scopeFirstSpan: number[];
  scopePath: string[];
}

/**
 * Parses and indexes an OTLP/JSON body: the proto3 JSON mapping with OTLP's deviations
 * (docs/specification.md, "JSON Protobuf Encoding"): trace and span ids are case-insensitive hex,
 * not base64; enums are integers (names are tolerated, as proto3 JSON allows them); unknown fields
 * are ignored; 64-bit integers come as strings or numbers; `null` means the field's default. A
 * value of the wrong type makes the whole body undecodable, with the path of the field.
 */
export function indexJson(body: Buffer): JsonSpanIndex {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new DecodeError(`The body is not valid JSON: ${getErrorMessage(error)}`);
  }
  const index: JsonSpanIndex = {
    spans: [],
    resourceFirstSpan: [],
    resourceService: [],
    scopeFirstSpan: [],
    scopePath: [],
  };
  atPath('$', () => {
    const request = readObject(value);
    forEachItem(request['resourceSpans'], '$.resourceSpans', (resourceSpans, path) =>
      indexResourceSpans(resourceSpans, path, index),
    );
  });
  return index;
}

/**
 * The generic path: the request parsed by `JSON.parse`, indexed now, its spans converted slice by
 * slice. Taken for a body the byte reader does not handle itself; it words every error.
 */
export function parsedJsonSource(body: Buffer): SpanSource {
  const index = indexJson(body);
  return {
    count: index.spans.length,
    idsAreHex: false,
    decode: (from, to, batch) => decodeJsonSpans(index, from, to, batch),
  };
}

/** Reads spans [from, to) of an indexed request into the batch. */
export function decodeJsonSpans(index: JsonSpanIndex, from: number, to: number, batch: SpanBatch) {
  let resource = -1;
  for (let span = from; span < to; span += 1) {
    let changed = resource < 0;
    if (changed) resource = 0;
    while (
      resource + 1 < index.resourceFirstSpan.length &&
      index.resourceFirstSpan[resource + 1]! <= span
    ) {
      resource += 1;
      changed = true;
    }
    if (changed) batch.setService(index.resourceService[resource]);
    try {
      readSpan(index.spans[span], batch);
    } catch (error) {
      throw located(error, spanPath(index, span));
    }
  }
}

function indexResourceSpans(value: unknown, path: string, index: JsonSpanIndex): void {
  const resourceSpans = readObject(value);
  const resource = atPath(`${path}.resource`, () => readOptionalObject(resourceSpans['resource']));
  const attributes = atPath(`${path}.resource.attributes`, () =>
    readKeyValues(resource?.['attributes']),
  );
  index.resourceFirstSpan.push(index.spans.length);
  index.resourceService.push(attributes[SERVICE_NAME]);
  forEachItem(resourceSpans['scopeSpans'], `${path}.scopeSpans`, (scope, scopePath) => {
    const spansPath = `${scopePath}.spans`;
    index.scopeFirstSpan.push(index.spans.length);
    index.scopePath.push(spansPath);
    forEachItem(readObject(scope)['spans'], spansPath, (span) => index.spans.push(span));
  });
}

export function readSpan(value: unknown, batch: SpanBatch): void {
  const span = readObject(value);
  batch.add(
    intern(readHexId(span['traceId'], 'traceId')),
    readHexId(span['spanId'], 'spanId'),
    readHexId(span['parentSpanId'], 'parentSpanId'),
    readUint32(span['flags'], 'flags'),
    intern(readString(span['name'], 'name')),
    readEnum(span['kind'], 'kind', SPAN_KIND_VALUES),
    readUnixNanosAsMillis(span['startTimeUnixNano'], 'startTimeUnixNano'),
    readUnixNanosAsMillis(span['endTimeUnixNano'], 'endTimeUnixNano'),
    readKeyValues(span['attributes'], 'attributes'),
  );
}

/** Ids stay strings here, lower-cased; their length and digits are judged per span, later. */
function readHexId(value: unknown, field: string): string {
  return readString(value, field).toLowerCase();
}

/** Calls `visit` with each item of an optional array, and the item's path. */
function forEachItem(
  value: unknown,
  path: string,
  visit: (item: unknown, path: string) => void,
): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) throw located(new FieldError('', 'an array', value), path);
  for (let item = 0; item < value.length; item += 1) {
    const itemPath = `${path}[${item}]`;
    atPath(itemPath, () => visit(value[item], itemPath));
  }
}

function atPath<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw located(error, path);
  }
}

/** A FieldError (relative path) becomes the DecodeError that names the field's full path. */
export function located(error: unknown, path: string): unknown {
  if (!(error instanceof FieldError)) return error;
  return new DecodeError(
    `Invalid OTLP/JSON at ${path}${error.field === '' || error.field.startsWith('[') ? '' : '.'}${error.field}: expected ${error.expected}, got ${error.shown}.`,
  );
}

function spanPath(index: JsonSpanIndex, span: number): string {
  let scope = index.scopeFirstSpan.length - 1;
  while (scope > 0 && index.scopeFirstSpan[scope]! > span) scope -= 1;
  return `${index.scopePath[scope]}[${span - index.scopeFirstSpan[scope]!}]`;
}
