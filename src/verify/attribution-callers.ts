import { servedAddress } from './attribution-address';
import {
  callerSweep,
  expireUnrelated,
  inFlight,
  knows,
  learn,
  unrelatedOtherThan,
  type CallerSweep,
  type ProbeRequest,
} from './attribution-caller-index';
import { within, type Forwarders, type Rule, type State } from './attribution-state';
import {
  callerRank,
  clientsUnder,
  compareRanks,
  encloses,
  type CallerRank,
} from './attribution-caller-rank';
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
  const sweep = callerSweep(state);
  const swept = sweep === undefined ? undefined : inFlight(sweep, at, state);
  let best =
    sweep === undefined || swept === undefined
      ? walkProbes(brk, state)
      : fromSweep(brk, state, sweep, swept);
  // Requests no probe sent are callers too: the tightest fit wins, probe or not.
  expireUnrelated(state, at);
  if (unrelatedOtherThan(state, brk.span.service))
    for (const span of state.unrelated) {
      if (!eligible(span, brk.span, state, false)) continue;
      const rank = callerRank(span, brk.span, state);
      if (best === undefined || compareRanks(rank, best.rank) < 0)
        best = { probe: undefined, caller: span, rank };
    }
  if (best === undefined) return undefined;
  state.used.add(best.caller);
  if (best.probe === undefined) return 'unrelated';
  state.entries.add(`${best.probe}\u0000${brk.span.service}`);
  learn(sweep, best.probe, brk.span.service);
  return { probe: best.probe, cause: { kind: 'caller', caller: best.caller } };
}

interface Candidate {
  probe: number | undefined;
  caller: SpanRecord;
  rank: CallerRank;
}

/** A server span of another service in flight, not used; a forwarder of the callee if asked. */
function eligible(
  span: SpanRecord,
  callee: SpanRecord,
  state: State,
  forwardersOnly: boolean,
): boolean {
  if (span.kind !== 'server' || span.service === callee.service) return false;
  if (
    state.used.has(span) ||
    !within(callee.startTimeMs, span.startTimeMs, span.endTimeMs, state.skewMs)
  )
    return false;
  return !forwardersOnly || forwarded(span, callee, state);
}

/**
 * The best caller among the probes' requests in flight (the sweep), as the walk finds it: the
 * lowest rank, and on equal ranks the first in probe, then trace order. A gap that is no number
 * makes ranks incomparable, and the walk's answer depends on its order: then that order is
 * rebuilt and the walk's strict comparison kept.
 */
function fromSweep(
  brk: Break,
  state: State,
  sweep: CallerSweep,
  swept: readonly ProbeRequest[],
): Candidate | undefined {
  const service = brk.span.service;
  const found: { entry: ProbeRequest; rank: CallerRank }[] = [];
  let unordered = false;
  for (const entry of swept) {
    if (entry.span.service === service) continue;
    // The callee known to that probe: only its requests that made no instrumented call.
    const forwardersOnly = knows(sweep, entry.probe, service);
    if (!eligible(entry.span, brk.span, state, forwardersOnly)) continue;
    if (forwardersOnly && clientsUnder(entry.span, state).length > 0) continue;
    const rank = callerRank(entry.span, brk.span, state);
    if (Number.isNaN(rank[3])) unordered = true;
    found.push({ entry, rank });
  }
  if (unordered)
    found.sort((a, b) => a.entry.probe - b.entry.probe || a.entry.position - b.entry.position);
  let best: (typeof found)[number] | undefined;
  for (const candidate of found) {
    if (best === undefined) {
      best = candidate;
      continue;
    }
    const difference = compareRanks(candidate.rank, best.rank);
    // Equal (or two infinite gaps, which the walk's subtraction never prefers): the first wins.
    const tie = !unordered && !(difference < 0) && !(difference > 0);
    if (difference < 0 || (tie && before(candidate.entry, best.entry))) best = candidate;
  }
  return best && { probe: best.entry.probe, caller: best.entry.span, rank: best.rank };
}

function before(a: ProbeRequest, b: ProbeRequest): boolean {
  return a.probe < b.probe || (a.probe === b.probe && a.position < b.position);
}

/** The walk of every probe (breaks out of start order, or a skew that is no finite number). */
function walkProbes(brk: Break, state: State): Candidate | undefined {
  const at = brk.span.startTimeMs;
  let best: Candidate | undefined;
  const consider = (probe: number, spans: readonly SpanRecord[], forwardersOnly: boolean): void => {
    for (const span of spans) {
      if (!eligible(span, brk.span, state, forwardersOnly)) continue;
      const rank = callerRank(span, brk.span, state);
      if (best === undefined || compareRanks(rank, best.rank) < 0)
        best = { probe, caller: span, rank };
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
    // their extent.
    const forwarders = forwardersOf(index, state);
    if (forwarders.from <= at && at <= forwarders.to + state.skewMs)
      consider(index, forwarders.spans, true);
  });
  return best;
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
