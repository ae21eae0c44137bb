import * as protobuf from 'protobufjs/light';
import Long from 'long';
import descriptor from './generated/otlp-trace.json';

// protobufjs finds `long` with a guarded require; setting it explicitly keeps 64-bit fields exact
// (Long, not a rounded double) however the bundler treats that require.
protobuf.util.Long = Long;
protobuf.configure();

/**
 * The official OTLP messages, from the JSON descriptor that scripts/generate-otlp-descriptor.mjs
 * compiles out of opentelemetry-proto. Loaded once: building the codecs is the costly part.
 */
const root = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);

export const ExportTraceServiceRequest = root.lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
);
export const ExportTraceServiceResponse = root.lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
);
export const RpcStatus = root.lookupType('google.rpc.Status');

/** Span kind names -> numbers, as the .proto declares them (OTLP/JSON senders should use numbers). */
export const SPAN_KIND_VALUES: Readonly<Record<string, number>> = root.lookupEnum(
  'opentelemetry.proto.trace.v1.Span.SpanKind',
).values;

/** The gRPC method path, derived from the service definition rather than typed out. */
export const EXPORT_METHOD_PATH = (() => {
  const service = root.lookupService('opentelemetry.proto.collector.trace.v1.TraceService');
  return `/${service.fullName.slice(1)}/${service.methods['Export']!.name}`;
})();
