import { callHost, callUrl, spanPort } from './trace-graph';
import type { SpanRecord } from './types';

/**
 * Could this server span be the answer to this call, by the address each names? Ports alone do
 * not say so: a worker's call to `cache:8080/get` and payment listening on 8080 (another host),
 * or a health check of `payment:8080/healthz` (a route payment does not trace) and payment's new
 * root on `/pay`, share a port only. Rule 0 excuses a new root as not the probes' doing when a
 * request no probe sent called its address: matching on the port alone let a root the probe
 * caused be excused, and a run whose service lost the context passed.
 *
 * What one side does not tell (no URL, no host, no path) is not held against the match: the
 * attributes are optional in every convention. Both sides' values are untrusted text, compared
 * and never interpreted beyond URL parsing.
 */

/** The host (lower case) and path a server span says it received, when its attributes tell. */
export interface Served {
  host: string | undefined;
  path: string | undefined;
}

/**
 * A server span's own host and received path. The host is `server.address`, else
 * `net.host.name`: never `net.peer.name`, its caller's in the old conventions. The path is the
 * one received (`url.path`, `http.target`), not `http.route`, a template that no URL equals.
 */
export function servedAddress(server: SpanRecord): Served {
  const host = server.attributes['server.address'] ?? server.attributes['net.host.name'];
  const target = server.attributes['url.path'] ?? server.attributes['http.target'];
  return {
    host: host === undefined ? undefined : String(host).toLowerCase(),
    path: target === undefined ? undefined : String(target).split('?')[0],
  };
}

/** The call named the address the server span served, as far as both tell. */
export function mayAnswer(client: SpanRecord, served: Served): boolean {
  if (served.host === undefined && served.path === undefined) return true;
  const called = calledAddress(client);
  if (served.host !== undefined && called.host !== undefined && called.host !== served.host)
    return false;
  return served.path === undefined || called.path === undefined || called.path === served.path;
}

/** The host (lower case) and path a client span called; `path` only when it gave a URL. */
export interface Called {
  host: string | undefined;
  path: string | undefined;
}

/**
 * Parsed once per call: a call in flight to another address is read again by every root while
 * it is in flight (attribution-unrelated.ts), and parsing its URL each time cost more than the
 * comparison.
 */
const CALLED = new WeakMap<SpanRecord, Called>();

export function calledAddress(client: SpanRecord): Called {
  let called = CALLED.get(client);
  if (called === undefined) {
    const url = parsed(callUrl(client));
    called = {
      host: url?.hostname.toLowerCase() ?? callHost(client)?.toLowerCase(),
      path: url?.pathname,
    };
    CALLED.set(client, called);
  }
  return called;
}

function parsed(url: string | undefined): URL | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/**
 * Rule 2's listeners with their hosts: by port, each service's hosts as its server spans there
 * name them (`servedAddress`), `undefined` for a span that names none. Rule 2 refuses a call
 * where a known other service listens; by port alone, inventory on `inventory:8080` made it
 * refuse checkout's call to `proxy:8080`, and the new root a proxy caused went unexplained.
 */
export type ListenerHosts = ReadonlyMap<
  number,
  ReadonlyMap<string, ReadonlySet<string | undefined>>
>;

/** One pass over the server spans; the ports as `listenersOf` reads them (finite only). */
export function listenerHosts(spans: readonly SpanRecord[]): ListenerHosts {
  const byPort = new Map<number, Map<string, Set<string | undefined>>>();
  for (const span of spans) {
    if (span.kind !== 'server') continue;
    const port = spanPort(span);
    if (port === undefined || !Number.isFinite(port)) continue;
    let services = byPort.get(port);
    if (services === undefined) byPort.set(port, (services = new Map()));
    let hosts = services.get(span.service);
    if (hosts === undefined) services.set(span.service, (hosts = new Set()));
    hosts.add(servedAddress(span).host);
  }
  return byPort;
}

/**
 * Some service listening on `port` may be the one the call reached: the call names no host, or
 * a server span there names none, or names the call's. Host names are compared as written
 * (lower case), as rule 0 compares them: `localhost`, `127.0.0.1` and a service name are three
 * hosts. A spelling that differs only makes rule 2 accept the call (blame a probe), the failing
 * side; unifying them would make it refuse more, the side a false pass lies on.
 */
export function listensAt(client: SpanRecord, port: number, hosts: ListenerHosts): boolean {
  const host = calledAddress(client).host;
  if (host === undefined) return true;
  for (const served of hosts.get(port)?.values() ?? [])
    if (served.has(undefined) || served.has(host)) return true;
  return false;
}
