import { columnsOf, FLAG, KIND, type SpanColumns } from './span-columns';
import { callHost, callUrl, spanPort } from './trace-graph';
import type { ExternalCall } from './target-types';
import type { SpanRecord } from './types';

/**
 * Where calls go: the address a client span called, which known service listens there, and
 * whether the user declared it external. Everything here reads span attributes, which are
 * untrusted text from the services: they are compared, never interpreted.
 */

/** Services by the port their server spans listened on (from `server.port` / `net.host.port`). */
export type Listeners = ReadonlyMap<number, ReadonlySet<string>>;

/**
 * One pass over every span: who listens where, how many spans each service exported, which
 * services exported client spans, and which exported a span with the sampled bit set in its
 * OTLP flags. All stay as small as the numbers of ports and services.
 */
export function listenersOf(spans: readonly SpanRecord[]): {
  listeners: Listeners;
  spanCounts: Map<string, number>;
  clientServices: Set<string>;
  flagWriters: Set<string>;
} {
  const columns = columnsOf(spans);
  if (columns !== undefined) return listenersOfColumns(spans, columns);
  const listeners = new Map<number, Set<string>>();
  const spanCounts = new Map<string, number>();
  const clientServices = new Set<string>();
  const flagWriters = new Set<string>();
  // Spans come in export batches of one service: count a run of them at once.
  let runService: string | undefined;
  let run = 0;
  for (const span of spans) {
    if (span.service !== runService) {
      if (runService !== undefined)
        spanCounts.set(runService, (spanCounts.get(runService) ?? 0) + run);
      runService = span.service;
      run = 0;
    }
    run += 1;
    if (span.sampled === true) flagWriters.add(span.service);
    if (span.kind === 'client') clientServices.add(span.service);
    if (span.kind !== 'server') continue;
    const port = spanPort(span);
    if (port === undefined || !Number.isFinite(port)) continue;
    let services = listeners.get(port);
    if (services === undefined) listeners.set(port, (services = new Set()));
    services.add(span.service);
  }
  if (runService !== undefined) spanCounts.set(runService, (spanCounts.get(runService) ?? 0) + run);
  return { listeners, spanCounts, clientServices, flagWriters };
}

/**
 * `listenersOf` for the receiver's spans: services, kinds, sampled bits and server ports from
 * its columns, no span object read. Sets and maps fill in the same order.
 */
function listenersOfColumns(
  spans: readonly SpanRecord[],
  columns: SpanColumns,
): ReturnType<typeof listenersOf> {
  const listeners = new Map<number, Set<string>>();
  const clientServices = new Set<string>();
  const flagWriters = new Set<string>();
  const { kinds, flags, serviceOf, serviceNames, ports } = columns;
  const counts = new Int32Array(serviceNames.length);
  // Per service: 1 once it wrote a sampled bit, 2 once it exported a client span.
  const seen = new Uint8Array(serviceNames.length);
  for (let position = 0; position < spans.length; position += 1) {
    const service = serviceOf[position]!;
    counts[service]! += 1;
    if ((flags[position]! & FLAG.sampled) !== 0 && (seen[service]! & 1) === 0) {
      seen[service]! |= 1;
      flagWriters.add(serviceNames[service]!);
    }
    const kind = kinds[position]!;
    if (kind === KIND.client && (seen[service]! & 2) === 0) {
      seen[service]! |= 2;
      clientServices.add(serviceNames[service]!);
    }
    if (kind !== KIND.server) continue;
    const port = ports[position]!;
    if (!Number.isFinite(port)) continue;
    let services = listeners.get(port);
    if (services === undefined) listeners.set(port, (services = new Set()));
    services.add(serviceNames[service]!);
  }
  // Services numbered in order of first appearance, as the span objects add them.
  const spanCounts = new Map<string, number>();
  for (let service = 0; service < counts.length; service += 1) {
    if (counts[service]! > 0) spanCounts.set(serviceNames[service]!, counts[service]!);
  }
  return { listeners, spanCounts, clientServices, flagWriters };
}

/** `127.0.0.1:9002`, or the URL's origin, or the span name when the span tells nothing more. */
export function callAddress(client: SpanRecord): string {
  const url = callUrl(client);
  if (url !== undefined) {
    try {
      return new URL(url).host;
    } catch {
      // Not a URL after all: fall back to the attributes below.
    }
  }
  const host = callHost(client);
  const port = spanPort(client);
  if (host !== undefined) return port === undefined ? host : `${host}:${port}`;
  return port === undefined ? client.name : `port ${port}`;
}

/** The service listening where the call went, when exactly one known service listens there. */
export function calleeOf(client: SpanRecord, listeners: Listeners): string | undefined {
  const port = spanPort(client);
  const services = port === undefined ? undefined : listeners.get(port);
  if (services === undefined || services.size !== 1) return undefined;
  const [service] = services;
  return service === client.service ? undefined : service;
}

/** True when the call went to a destination the user declared in `external-calls`. */
export function isExternal(client: SpanRecord, externals: readonly ExternalCall[]): boolean {
  if (externals.length === 0) return false;
  const url = callUrl(client)?.toLowerCase();
  const host = hostOf(client);
  const port = spanPort(client) ?? portOfUrl(url);
  return externals.some((external) =>
    external.kind === 'prefix'
      ? url !== undefined && url.startsWith(external.prefix)
      : host === external.host && (external.port === undefined || external.port === port),
  );
}

function hostOf(client: SpanRecord): string | undefined {
  const url = callUrl(client);
  if (url !== undefined) {
    try {
      return new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, '');
    } catch {
      // Fall through to the attribute.
    }
  }
  return callHost(client)?.toLowerCase();
}

function portOfUrl(url: string | undefined): number | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    if (parsed.port !== '') return Number(parsed.port);
    return parsed.protocol === 'https:' ? 443 : parsed.protocol === 'http:' ? 80 : undefined;
  } catch {
    return undefined;
  }
}
