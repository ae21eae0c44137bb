import { getErrorMessage } from '../errors';
import {
  DecodeError,
  type OtlpAnyValue,
  type OtlpKeyValue,
  type OtlpSpan,
  type OtlpTraceRequest,
} from './internal-types';
import { ExportTraceServiceRequest } from './otlp-schema';

/**
 * What protobufjs' `toObject` gives for the options below: the official field names
 * (lowerCamelCase), 64-bit integers as decimal strings, enums as numbers, bytes as base64,
 * absent scalars left out, repeated fields always present.
 */
interface PlainRequest {
  resourceSpans: {
    resource?: { attributes: OtlpKeyValue[] };
    scopeSpans: { spans: PlainSpan[] }[];
  }[];
}

interface PlainSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  flags?: number;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes: { key?: string; value?: OtlpAnyValue }[];
}

const TO_PLAIN = { longs: String, enums: Number, bytes: String, defaults: false, arrays: true };

/** Decodes a binary `ExportTraceServiceRequest` (OTLP/HTTP protobuf body, or a gRPC message). */
export function decodeProtobuf(body: Uint8Array): OtlpTraceRequest {
  let plain: PlainRequest;
  try {
    const message = ExportTraceServiceRequest.decode(body);
    plain = ExportTraceServiceRequest.toObject(message, TO_PLAIN) as PlainRequest;
  } catch (error) {
    throw new DecodeError(
      `The body is not a protobuf ExportTraceServiceRequest: ${getErrorMessage(error)}`,
    );
  }
  return {
    resourceSpans: plain.resourceSpans.map((resourceSpans) => ({
      resourceAttributes: resourceSpans.resource?.attributes ?? [],
      spans: resourceSpans.scopeSpans.flatMap((scopeSpans) => scopeSpans.spans.map(toOtlpSpan)),
    })),
  };
}

function toOtlpSpan(span: PlainSpan): OtlpSpan {
  return {
    traceId: base64ToHex(span.traceId),
    spanId: base64ToHex(span.spanId),
    parentSpanId: base64ToHex(span.parentSpanId),
    flags: span.flags ?? 0,
    name: span.name ?? '',
    kind: span.kind ?? 0,
    startTimeUnixNano: span.startTimeUnixNano ?? '0',
    endTimeUnixNano: span.endTimeUnixNano ?? '0',
    attributes: span.attributes.map((attribute) => ({
      key: attribute.key ?? '',
      value: attribute.value,
    })),
  };
}

// `bytes: String` above encodes every bytes field as base64, the proto3 JSON form; ids are
// compared and reported as hex everywhere else, so they are turned back here.
function base64ToHex(value: string | undefined): string {
  return value === undefined ? '' : Buffer.from(value, 'base64').toString('hex');
}
