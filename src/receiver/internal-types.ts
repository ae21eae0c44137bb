/**
 * The shape both decoders (binary protobuf and OTLP/JSON) hand to `toSpanRecords`: the part of an
 * `ExportTraceServiceRequest` the verifier needs, with the encodings' differences already removed.
 * Ids are lower-case hex exactly as received (not yet validated), 64-bit times are decimal strings
 * (a double cannot hold a nanosecond timestamp exactly), enums are numbers.
 */
export interface OtlpTraceRequest {
  resourceSpans: OtlpResourceSpans[];
}

export interface OtlpResourceSpans {
  resourceAttributes: OtlpKeyValue[];
  spans: OtlpSpan[];
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
}

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue | undefined;
}

/** `opentelemetry.proto.common.v1.AnyValue`: at most one field is set. */
export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  /** int64 as a decimal string. */
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values: OtlpAnyValue[] };
  kvlistValue?: { values: OtlpKeyValue[] };
  /** Base64, as proto3 JSON writes bytes. */
  bytesValue?: string;
}

/** The body could not be decoded at all: the whole request is answered with 400 / INVALID_ARGUMENT. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

/** Which encoding a request used; the response is written in the same one. */
export type OtlpEncoding = 'protobuf' | 'json';
