import type { SpanRecord } from './types';

/**
 * What a span's attributes tell of the call it made or answered (re-exported by trace-graph.ts,
 * where they were first). Attributes are untrusted text from the services: read, never
 * interpreted.
 */

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
  for (const key of KEYS.port) {
    const value = span.attributes[key];
    // Read for every server span of the run: a number (as exporters send it) is not converted
    // to a string and back.
    if (value !== undefined) return typeof value === 'number' ? value : Number(String(value));
  }
  return undefined;
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
