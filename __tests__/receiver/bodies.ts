import { ExportTraceServiceRequest } from '../../src/receiver/otlp-schema';

// Request bodies for the tests, kept apart from helpers.ts (which uses import.meta) so the
// bundle fixture can use them too.

export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
export const PARENT_ID = '00f067aa0ba902b7';
export const SPAN_ID = '1111111111111111';

/** A minimal OTLP/JSON span with the fields the receiver reads; override any of them. */
export function jsonSpan(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    parentSpanId: PARENT_ID,
    name: 'GET /work',
    kind: 2,
    flags: 0x301,
    startTimeUnixNano: '1700000000123456789',
    endTimeUnixNano: '1700000000223456789',
    ...overrides,
  };
}

/** An OTLP/JSON ExportTraceServiceRequest with one resource (the service) and these spans. */
export function jsonRequest(service: string, spans: Record<string, unknown>[]): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ scope: { name: 'test' }, spans }],
      },
    ],
  });
}

/** The same request in binary protobuf; ids are given as hex, as everywhere in these tests. */
export function protobufRequest(service: string, spans: Record<string, unknown>[]): Buffer {
  const hexToBytes = (hex: unknown) =>
    typeof hex === 'string' ? Buffer.from(hex, 'hex') : undefined;
  const message = ExportTraceServiceRequest.fromObject({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            spans: spans.map((span) => ({
              ...span,
              traceId: hexToBytes(span['traceId']),
              spanId: hexToBytes(span['spanId']),
              parentSpanId: hexToBytes(span['parentSpanId']),
            })),
          },
        ],
      },
    ],
  });
  return Buffer.from(ExportTraceServiceRequest.encode(message).finish());
}

export const JSON_HEADERS = { 'content-type': 'application/json' };
export const PROTOBUF_HEADERS = { 'content-type': 'application/x-protobuf' };
