import { callHost, callUrl } from './trace-graph';
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
interface Called {
  host: string | undefined;
  path: string | undefined;
}

/**
 * Parsed once per call: a call in flight to another address is read again by every root while
 * it is in flight (attribution-unrelated.ts), and parsing its URL each time cost more than the
 * comparison.
 */
const CALLED = new WeakMap<SpanRecord, Called>();

function calledAddress(client: SpanRecord): Called {
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
