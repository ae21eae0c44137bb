import type { SpanRecord } from './types';

/** One trace's spans, indexed for walking: by id, and which spans a server span answered. */
export interface TraceGraph {
  traceId: string;
  spans: readonly SpanRecord[];
  /** The first span exported under each id (a re-export or a colliding id does not replace it). */
  byId: ReadonlyMap<string, SpanRecord>;
  /** Ids of the spans that are the parent of a server span: calls whose callee joined the trace. */
  answeredCalls: ReadonlySet<string>;
  /** Ids exported by more than one service in this trace (id collisions), with their services. */
  collisions: ReadonlyMap<string, readonly string[]>;
}

export function buildTraceGraph(traceId: string, spans: readonly SpanRecord[]): TraceGraph {
  const byId = new Map<string, SpanRecord>();
  const answeredCalls = new Set<string>();
  for (const span of spans) {
    byId.set(span.spanId, span);
    if (span.kind === 'server' && span.parentSpanId !== undefined)
      answeredCalls.add(span.parentSpanId);
  }
  // Fewer ids than spans: some id came twice. Only then pay for a second pass.
  const collisions = byId.size === spans.length ? new Map() : findCollisions(spans, byId);
  return { traceId, spans, byId, answeredCalls, collisions };
}

/**
 * Keeps the first span of each id in `byId` and returns the ids two services exported. A span
 * exported twice by its own service (a retry, a re-export with another end time) is one span.
 */
function findCollisions(
  spans: readonly SpanRecord[],
  byId: Map<string, SpanRecord>,
): Map<string, string[]> {
  const collisions = new Map<string, string[]>();
  byId.clear();
  for (const span of spans) {
    const known = byId.get(span.spanId);
    if (known === undefined) {
      byId.set(span.spanId, span);
      continue;
    }
    if (known.service === span.service) continue;
    const services = collisions.get(span.spanId) ?? [known.service];
    if (!services.includes(span.service)) services.push(span.service);
    collisions.set(span.spanId, services);
  }
  return collisions;
}

/** The parent of a span inside its graph, or undefined for a root or a parent nobody exported. */
export function parentOf(graph: TraceGraph, span: SpanRecord): SpanRecord | undefined {
  return span.parentSpanId === undefined ? undefined : graph.byId.get(span.parentSpanId);
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

/** The host a client span called, from its attributes. */
export function callHost(span: SpanRecord): string | undefined {
  return first(span, KEYS.host);
}

/** The full URL a client span called, when its attributes tell. */
export function callUrl(span: SpanRecord): string | undefined {
  return first(span, KEYS.url);
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

/** `GET /pay` for a server span, as far as its attributes tell. */
export function describeServerCall(span: SpanRecord): string {
  const method = first(span, KEYS.method) ?? '';
  return `${method} ${serverPath(span) ?? span.name}`.trim();
}
