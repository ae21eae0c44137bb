import type { SpanRecord } from './types';

/** One trace's spans, indexed for walking: by id, and which spans a server span answered. */
export interface TraceGraph {
  traceId: string;
  spans: readonly SpanRecord[];
  byId: ReadonlyMap<string, SpanRecord>;
  /** Ids of the spans that are the parent of a server span: calls whose callee joined the trace. */
  answeredCalls: ReadonlySet<string>;
}

export function buildTraceGraph(traceId: string, spans: readonly SpanRecord[]): TraceGraph {
  const byId = new Map<string, SpanRecord>();
  const answeredCalls = new Set<string>();
  for (const span of spans) {
    byId.set(span.spanId, span);
    if (span.kind === 'server' && span.parentSpanId !== undefined)
      answeredCalls.add(span.parentSpanId);
  }
  return { traceId, spans, byId, answeredCalls };
}

/** Attribute keys, stable semantic conventions first, then the older ones instrumentations still emit. */
const KEYS = {
  port: ['server.port', 'net.peer.port', 'net.host.port'],
  host: ['server.address', 'net.peer.name', 'net.host.name'],
  method: ['http.request.method', 'http.method'],
  url: ['url.full', 'http.url'],
  path: ['url.path', 'http.target', 'http.route'],
} as const;

function first(span: SpanRecord, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = span.attributes[key];
    if (value !== undefined) return String(value);
  }
  return undefined;
}

/** The port a client span called, or the port a server span listened on. */
export function spanPort(span: SpanRecord): number | undefined {
  const value = first(span, KEYS.port);
  return value === undefined ? undefined : Number(value);
}

/** `POST http://127.0.0.1:9002/pay` for a client span, as far as its attributes tell. */
export function describeCall(span: SpanRecord): string {
  const method = first(span, KEYS.method) ?? '';
  const url =
    first(span, KEYS.url) ??
    [first(span, KEYS.host), spanPort(span)].filter((part) => part !== undefined).join(':');
  return `${method} ${url}`.trim() || span.name;
}

/** The path a server span received (`/pay`), when its attributes tell. */
export function serverPath(span: SpanRecord): string | undefined {
  return first(span, KEYS.path)?.split('?')[0];
}
