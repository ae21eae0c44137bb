import { servedAddress } from './attribution-address';
import { within, type Forwarders, type Rule, type State } from './attribution-state';
import type { Break } from './breaks';
import type { SpanRecord } from './types';

/**
 * Rule 3 of the attribution: a server span of another service in flight, for a callee not yet in
 * that probe's trace (or a forwarder, for one already in it: see `forwarded`), made the call
 * without an instrumented client. The candidates are ranked by explicit keys (see CallerRank),
 * not by score offsets.
 */

export function uninstrumentedCaller(brk: Break, state: State): ReturnType<Rule> {
  if (brk.span.kind !== 'server') return undefined;
  const at = brk.span.startTimeMs;
  let best: { probe: number | undefined; caller: SpanRecord; rank: CallerRank } | undefined;
  const consider = (
    probe: number | undefined,
    spans: readonly SpanRecord[],
    forwardersOnly: boolean,
  ): void => {
    for (const span of spans) {
      if (span.kind !== 'server' || span.service === brk.span.service) continue;
      if (state.used.has(span) || !within(at, span.startTimeMs, span.endTimeMs, state.skewMs))
        continue;
      if (forwardersOnly && !forwarded(span, brk.span, state)) continue;
      const rank = callerRank(span, brk.span, state);
      if (best === undefined || compareRanks(rank, best.rank) < 0) {
        best = { probe, caller: span, rank };
      }
    }
  };
  state.probes.forEach((probe, index) => {
    // The callee already answered in this probe's own trace, or already broke off it through an
    // uninstrumented call: this request is not (another) one of its calls, unless a request of
    // that probe was forwarding it then (see `forwarded`).
    const known =
      probe.graph.spans.some((s) => s.service === brk.span.service) ||
      state.entries.has(`${index}\u0000${brk.span.service}`);
    if (!known) {
      consider(index, probe.graph.spans, false);
      return;
    }
    // Only its requests that made no instrumented call, and none if the break began outside
    // their extent: 2,000 server roots of a service 4,000 probes reach cost 16 s of CPU when each
    // walked every span of every probe (3.8 s before forwarders were looked for).
    const forwarders = forwardersOf(index, state);
    if (forwarders.from <= at && at <= forwarders.to + state.skewMs)
      consider(index, forwarders.spans, true);
  });
  // Requests no probe sent are callers too: the tightest fit wins, probe or not.
  state.unrelated = state.unrelated.filter((span) => span.endTimeMs + state.skewMs >= at);
  consider(undefined, state.unrelated, false);
  const found = best as { probe: number | undefined; caller: SpanRecord } | undefined;
  if (found === undefined) return undefined;
  state.used.add(found.caller);
  if (found.probe === undefined) return 'unrelated';
  state.entries.add(`${found.probe}\u0000${brk.span.service}`);
  return { probe: found.probe, cause: { kind: 'caller', caller: found.caller } };
}

/**
 * A request that forwarded the callee's request without an instrumented client, though the
 * callee already answered in the probe's trace: a gateway or proxy that exports server spans
 * only (checkout -> gateway -> payment, the header dropped, after checkout called payment
 * directly). Skipping every callee already in the trace let such a root pass as no probe's
 * doing: a false pass. The evidence asked of the candidate:
 * - it encloses the callee (began no later, ended no earlier within the skew): a forwarded
 *   request lies inside the one forwarding it;
 * - it made no instrumented call at all (no client span made in its request, directly or under
 *   its framework's middleware spans: `clientsUnder`), so it was not waiting on one either: a
 *   request that calls through an instrumented client would have forwarded through it too, and
 *   its own calls, answered or not, are judged by rules 1 and 2;
 * - the callee received the path it received, or one of the two paths ends with the other
 *   (`forwardedPath`; a gRPC server's path is `/service/method`).
 * What is still refused, and why no root the probes caused hides there in the cases seen: a
 * health check or readiness request of the callee (`wait-for` before the probe, `/health`
 * during it) lands outside every probe request, or inside one that called through an
 * instrumented client (checkout, around its own call to payment), or names another path than
 * the request it lands in (without the path, every leaf request of a probe, which makes no
 * call, would "forward" a health check of any service the probe reached: in random worlds of
 * healthy probes and such noise, 37 of 200 runs failed wrongly). Still refused, and a false pass
 * if it happens: a forwarder whose clock runs ahead of the callee's by more than the gap between
 * their starts; one that rewrites the path other than by stripping or adding a prefix; one that mixes
 * instrumented calls with uninstrumented forwarding in one request; and a caller that is no
 * forwarder (checkout itself) calling a service again through an uninstrumented client after an
 * instrumented call to it. Still accepted, and a false FAIL: a request no probe sent to the
 * path a forwarder of a probe was forwarding, beginning inside that forwarder's request.
 */
function forwarded(span: SpanRecord, callee: SpanRecord, state: State): boolean {
  // No client span under it: `forwardersOf` lists no other.
  return encloses(span, callee, state) && forwardedPath(receivedPath(span), receivedPath(callee));
}

/** The path a server span received; a gRPC server's is `/service/method`. */
function receivedPath(span: SpanRecord): string | undefined {
  const path = servedAddress(span).path;
  if (path !== undefined) return path;
  const service = span.attributes['rpc.service'];
  const method = span.attributes['rpc.method'];
  return service === undefined || method === undefined ? undefined : `/${service}/${method}`;
}

/**
 * A probe's server spans that made no instrumented call, and the extent of their windows (a
 * time that is no number is left out of it, as `encloses` and `within` leave it out); built
 * when first asked.
 */
function forwardersOf(probe: number, state: State): Forwarders {
  let found = state.forwarders.get(probe);
  if (found === undefined) {
    found = { spans: [], from: Infinity, to: -Infinity };
    for (const span of state.probes[probe]!.graph.spans) {
      if (span.kind !== 'server' || clientsUnder(span, state).length > 0) continue;
      found.spans.push(span);
      if (span.startTimeMs < found.from) found.from = span.startTimeMs;
      if (span.endTimeMs > found.to) found.to = span.endTimeMs;
    }
    state.forwarders.set(probe, found);
  }
  return found;
}

/**
 * The callee received the path the forwarder received, or one ends with the other (a gateway
 * that strips a prefix, `/api/pay` to `/pay`, or adds one, `/pay` to `/v1/pay`), as far as both
 * tell. Without it every leaf request of the probe (it makes no call) would "forward" any health
 * check of a service the probe reached. A bare `/` names no route: it is the end of every path
 * ending with a slash, so it matches only itself.
 */
function forwardedPath(received: string | undefined, forwarded: string | undefined): boolean {
  if (received === undefined || forwarded === undefined) return true;
  return (
    received === forwarded ||
    endsWithRoute(received, forwarded) ||
    endsWithRoute(forwarded, received)
  );
}

/** `path` ends with `route`, a path of its own (it begins with a slash and is not a bare `/`). */
function endsWithRoute(path: string, route: string): boolean {
  return route.startsWith('/') && route !== '/' && path.endsWith(route);
}

/** The server span began no later than the callee and ended no earlier, within the skew. */
function encloses(span: SpanRecord, callee: SpanRecord, state: State): boolean {
  return (
    span.startTimeMs <= callee.startTimeMs && callee.endTimeMs <= span.endTimeMs + state.skewMs
  );
}

/**
 * How likely a server span in flight is the request that called `callee` without a client span,
 * compared in order (lower first):
 * 1. it was not waiting on an instrumented call of its own at that moment;
 * 2. it encloses the callee (a synchronous call lies inside its caller's request);
 * 3. its service never exported a client span (an instrumented client would have);
 * 4. it fits the callee tightest: the gaps before the callee began and after it ended. Under
 *    concurrency each request's call lies closest inside that request, not inside a neighbour's.
 */
type CallerRank = readonly [waiting: number, outside: number, hasClient: number, gapMs: number];

function callerRank(span: SpanRecord, callee: SpanRecord, state: State): CallerRank {
  const at = callee.startTimeMs;
  const gapMs = Math.abs(at - span.startTimeMs) + Math.abs(span.endTimeMs - callee.endTimeMs);
  return [
    awaitsCall(span, at, state) ? 1 : 0,
    encloses(span, callee, state) ? 0 : 1,
    state.clientServices.has(span.service) ? 1 : 0,
    gapMs,
  ];
}

function compareRanks(a: CallerRank, b: CallerRank): number {
  for (let index = 0; index < a.length; index += 1) {
    const difference = a[index]! - b[index]!;
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The server span has a client span of its own in flight at `at`. */
function awaitsCall(server: SpanRecord, at: number, state: State): boolean {
  return clientsUnder(server, state).some(
    (client) => client.startTimeMs <= at && at <= client.endTimeMs,
  );
}

/**
 * The client spans made in the server span's request: its children, and the client spans under
 * spans its service put in between (Koa's and Express's middleware spans, Spring's controller
 * spans, manual spans). Without those, an instrumented caller built on such a framework read as
 * one that made no instrumented call: a forwarder that rule 3 blamed for a health check.
 * Indexed per trace when first asked.
 */
function clientsUnder(server: SpanRecord, state: State): readonly SpanRecord[] {
  let byRequest = state.clientsByParent.get(server.traceId);
  if (byRequest === undefined) {
    byRequest = new Map();
    const spans = state.traceSpans(server.traceId);
    const requestOf = requestFinder(spans);
    for (const span of spans) {
      if (span.kind !== 'client') continue;
      const request = requestOf(span);
      if (request === undefined) continue;
      const siblings = byRequest.get(request);
      if (siblings === undefined) byRequest.set(request, [span]);
      else siblings.push(span);
    }
    state.clientsByParent.set(server.traceId, byRequest);
  }
  return byRequest.get(server.spanId) ?? [];
}

/**
 * For a client span of one trace, the id of the server span whose request made it: its parent
 * when that is a server span, else the nearest server ancestor through spans of the client's
 * own service that are neither server nor client spans. The answer for each span passed through
 * is kept, so a trace costs one walk of each chain; a chain longer than the trace (a cycle of
 * parent ids) ends the walk.
 */
function requestFinder(spans: readonly SpanRecord[]): (client: SpanRecord) => string | undefined {
  const byId = new Map<string, SpanRecord>();
  for (const span of spans) byId.set(span.spanId, span);
  const known = new Map<string, string | undefined>();
  return (client) => {
    const passed: string[] = [];
    let found: string | undefined;
    for (let parentId = client.parentSpanId; parentId !== undefined;) {
      const parent = byId.get(parentId);
      if (parent === undefined) break;
      if (parent.kind === 'server') {
        found = parent.spanId;
        break;
      }
      const between = parent.kind !== 'client' && parent.service === client.service;
      if (!between || passed.length > spans.length) break;
      // Known for a span of the client's own service: the answer is the same for every client.
      if (known.has(parentId)) {
        found = known.get(parentId);
        break;
      }
      passed.push(parentId);
      parentId = parent.parentSpanId;
    }
    for (const id of passed) known.set(id, found);
    return found;
  };
}
