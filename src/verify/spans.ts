import type { HopEvidence, SpanRecord } from './types';

/** Attribute keys that carry the peer port of a client span, stable semconv first. */
const PEER_PORT_KEYS = ['server.port', 'net.peer.port'];

/** The callee's server span for a hop: the one the callee reported, or its first server span. */
export function findCalleeServerSpan(
  spans: readonly SpanRecord[],
  hop: HopEvidence,
): SpanRecord | undefined {
  const servers = spans.filter((s) => s.service === hop.callee && s.kind === 'server');
  return servers.find((s) => s.spanId === hop.calleeReport.spanId) ?? servers[0];
}

/**
 * The caller's client span for a hop: a client span of the caller, in the caller's trace, whose
 * peer port is the callee's. When no span carries a port, the caller's only client span.
 */
export function findCallerClientSpan(
  spans: readonly SpanRecord[],
  hop: HopEvidence,
): SpanRecord | undefined {
  const clients = spans.filter(
    (s) =>
      s.service === hop.caller && s.kind === 'client' && s.traceId === hop.callerReport.traceId,
  );
  const byPort = clients.find((s) => peerPort(s) === hop.calleePort);
  if (byPort) return byPort;
  return clients.length === 1 ? clients[0] : undefined;
}

function peerPort(span: SpanRecord): number | undefined {
  for (const key of PEER_PORT_KEYS) {
    const value = span.attributes[key];
    if (value !== undefined) return Number(value);
  }
  return undefined;
}

/** Roots: spans with no parent at all. */
export function rootSpans(spans: readonly SpanRecord[]): SpanRecord[] {
  return spans.filter((s) => s.parentSpanId === undefined);
}

/** Trace ids, `first` (the entry's) leading, then in order of appearance. */
export function traceIds(spans: readonly SpanRecord[], first: string): string[] {
  const ids = new Set(spans.map((s) => s.traceId));
  return ids.has(first) ? [first, ...[...ids].filter((id) => id !== first)] : [...ids];
}

/** A short label for a span in messages: `service-a: GET /call-b (0123456789abcdef)`. */
export function describeSpan(span: SpanRecord): string {
  return `${span.service}: ${span.name} (${span.spanId})`;
}
