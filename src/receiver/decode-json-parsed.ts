/**
 * The generic path for OTLP/JSON: the request parsed by `JSON.parse`, then converted by the
 * functions of `json-values.ts`. It reads any body the byte reader (`decode-json.ts`) passes to
 * it, whole or one span at a time, and words every error with the path of the field.
 */
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
