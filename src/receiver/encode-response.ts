import type { Type } from 'protobufjs/light';
import type { OtlpEncoding } from './internal-types';
import { ExportTraceServiceResponse, RpcStatus } from './otlp-schema';

/** The Content-Type a response in each encoding carries (OTLP: the same as the request's). */
export const CONTENT_TYPES: Readonly<Record<OtlpEncoding, string>> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/**
 * An `ExportTraceServiceResponse`. `partial_success` is left unset on full success, as the spec
 * requires, and set with the count and an English explanation when spans were rejected.
 */
export function encodeExportResponse(
  encoding: OtlpEncoding,
  rejectedSpans: number,
  errorMessage: string,
): Buffer {
  const payload = rejectedSpans > 0 ? { partialSuccess: { rejectedSpans, errorMessage } } : {};
  return encodeMessage(ExportTraceServiceResponse, encoding, payload);
}

/**
 * A `google.rpc.Status`, the body OTLP/HTTP requires on every 4xx/5xx. `code` is the matching
 * gRPC status code, for troubleshooting only (the spec lets clients ignore it).
 */
export function encodeStatus(encoding: OtlpEncoding, code: number, message: string): Buffer {
  return encodeMessage(RpcStatus, encoding, { code, message });
}

function encodeMessage(
  type: Type,
  encoding: OtlpEncoding,
  payload: Record<string, unknown>,
): Buffer {
  const message = type.fromObject(payload);
  if (encoding === 'protobuf') return Buffer.from(type.encode(message).finish());
  // proto3 JSON: lowerCamelCase names, 64-bit integers as decimal strings.
  return Buffer.from(JSON.stringify(type.toObject(message, { longs: String })));
}
