import { getErrorMessage } from '../errors';
import {
  DecodeError,
  type OtlpAnyValue,
  type OtlpKeyValue,
  type OtlpResourceSpans,
  type OtlpSpan,
  type OtlpTraceRequest,
} from './internal-types';
import { SPAN_KIND_VALUES } from './otlp-schema';

type JsonObject = Record<string, unknown>;

/**
 * Decodes an OTLP/JSON `ExportTraceServiceRequest`: the proto3 JSON mapping with OTLP's
 * deviations (docs/specification.md, "JSON Protobuf Encoding"): trace and span ids are
 * case-insensitive hex, not base64; enums are integers (names are tolerated here, as proto3 JSON
 * allows them); unknown fields are ignored; 64-bit integers come as strings or numbers; `null`
 * means the field's default. A value of the wrong type makes the whole body undecodable, with the
 * path of the offending field in the message.
 */
export function decodeJson(body: Buffer): OtlpTraceRequest {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new DecodeError(`The body is not valid JSON: ${getErrorMessage(error)}`);
  }
  const request = readObject(value, '$');
  return {
    resourceSpans: readArray(request['resourceSpans'], '$.resourceSpans', readResourceSpans),
  };
}

function readResourceSpans(value: unknown, path: string): OtlpResourceSpans {
  const object = readObject(value, path);
  const resource = readOptionalObject(object['resource'], `${path}.resource`);
  const scopeSpans = readArray(object['scopeSpans'], `${path}.scopeSpans`, (scope, scopePath) =>
    readArray(readObject(scope, scopePath)['spans'], `${scopePath}.spans`, readSpan),
  );
  return {
    resourceAttributes: readKeyValues(resource?.['attributes'], `${path}.resource.attributes`),
    spans: scopeSpans.flat(),
  };
}

function readSpan(value: unknown, path: string): OtlpSpan {
  const span = readObject(value, path);
  return {
    traceId: readHexId(span['traceId'], `${path}.traceId`),
    spanId: readHexId(span['spanId'], `${path}.spanId`),
    parentSpanId: readHexId(span['parentSpanId'], `${path}.parentSpanId`),
    flags: readUint32(span['flags'], `${path}.flags`),
    name: readString(span['name'], `${path}.name`),
    kind: readEnum(span['kind'], `${path}.kind`, SPAN_KIND_VALUES),
    startTimeUnixNano: readUint64(span['startTimeUnixNano'], `${path}.startTimeUnixNano`),
    endTimeUnixNano: readUint64(span['endTimeUnixNano'], `${path}.endTimeUnixNano`),
    attributes: readKeyValues(span['attributes'], `${path}.attributes`),
  };
}

function readKeyValues(value: unknown, path: string): OtlpKeyValue[] {
  return readArray(value, path, (item, itemPath) => {
    const keyValue = readObject(item, itemPath);
    return {
      key: readString(keyValue['key'], `${itemPath}.key`),
      value: readAnyValue(keyValue['value'], `${itemPath}.value`),
    };
  });
}

function readAnyValue(value: unknown, path: string): OtlpAnyValue | undefined {
  const object = readOptionalObject(value, path);
  if (object === undefined) return undefined;
  // A oneof: the first field present wins, as a proto3 parser keeps one of them.
  if (isSet(object['stringValue']))
    return { stringValue: readString(object['stringValue'], `${path}.stringValue`) };
  if (isSet(object['boolValue']))
    return { boolValue: readBool(object['boolValue'], `${path}.boolValue`) };
  if (isSet(object['intValue']))
    return { intValue: readInt64(object['intValue'], `${path}.intValue`) };
  if (isSet(object['doubleValue']))
    return { doubleValue: readDouble(object['doubleValue'], `${path}.doubleValue`) };
  if (isSet(object['arrayValue'])) {
    const array = readObject(object['arrayValue'], `${path}.arrayValue`);
    return {
      arrayValue: {
        values: readArray(array['values'], `${path}.arrayValue.values`, (item, itemPath) => {
          return readAnyValue(item, itemPath) ?? {};
        }),
      },
    };
  }
  if (isSet(object['kvlistValue'])) {
    const list = readObject(object['kvlistValue'], `${path}.kvlistValue`);
    return { kvlistValue: { values: readKeyValues(list['values'], `${path}.kvlistValue.values`) } };
  }
  if (isSet(object['bytesValue']))
    return { bytesValue: readString(object['bytesValue'], `${path}.bytesValue`) };
  return {};
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function fail(path: string, expected: string, value: unknown): never {
  const shown = JSON.stringify(value);
  const clipped = shown.length > 40 ? `${shown.slice(0, 40)}…` : shown;
  throw new DecodeError(`Invalid OTLP/JSON at ${path}: expected ${expected}, got ${clipped}.`);
}

function readObject(value: unknown, path: string): JsonObject {
  const object = readOptionalObject(value, path);
  return object ?? {};
}

function readOptionalObject(value: unknown, path: string): JsonObject | undefined {
  if (!isSet(value)) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) fail(path, 'an object', value);
  return value as JsonObject;
}

function readArray<T>(value: unknown, path: string, readItem: (item: unknown, path: string) => T) {
  if (!isSet(value)) return [];
  if (!Array.isArray(value)) fail(path, 'an array', value);
  return value.map((item: unknown, index) => readItem(item, `${path}[${index}]`));
}

function readString(value: unknown, path: string): string {
  if (!isSet(value)) return '';
  if (typeof value !== 'string') fail(path, 'a string', value);
  return value;
}

function readBool(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') fail(path, 'true or false', value);
  return value;
}

/** Ids stay strings here, lower-cased; their length and digits are judged per span, later. */
function readHexId(value: unknown, path: string): string {
  return readString(value, path).toLowerCase();
}

function readUint32(value: unknown, path: string): number {
  if (!isSet(value)) return 0;
  const text = typeof value === 'string' ? value : undefined;
  const number = text !== undefined && /^\d+$/.test(text) ? Number(text) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0 || number > 0xffffffff)
    fail(path, 'an unsigned 32-bit integer', value);
  return number;
}

function readUint64(value: unknown, path: string): string {
  const text = readInt64(value, path);
  if (text.startsWith('-')) fail(path, 'an unsigned 64-bit integer', value);
  return text;
}

/** 64-bit integers as decimal strings (proto3 JSON writes them as strings, accepts numbers). */
function readInt64(value: unknown, path: string): string {
  if (!isSet(value)) return '0';
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value).toString();
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value).toString();
  return fail(path, 'an integer or a decimal string', value);
}

function readDouble(value: unknown, path: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity') return Number.POSITIVE_INFINITY;
    if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
    if (value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  }
  return fail(path, 'a number', value);
}

function readEnum(value: unknown, path: string, values: Readonly<Record<string, number>>): number {
  if (!isSet(value)) return 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && Object.hasOwn(values, value)) return values[value]!;
  return fail(path, `an integer or one of ${Object.keys(values).join(', ')}`, value);
}
