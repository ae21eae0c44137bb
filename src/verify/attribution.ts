import type { Call, ProbeAnalysis } from './analysis';
import type { Break } from './breaks';
import type { Listeners } from './destinations';
import { LOCAL_SLACK_MS } from './target-types';
import { spanPort } from './trace-graph';
import type { SpanRecord } from './types';

/**
 * Which probe caused each break, and through which call. Explicit rules, tried in order; the
 * first that finds a culprit wins. Breaks are taken in start order, so a break downstream of a
 * first one can be traced through the trace that broke off (its calls join the candidates).
 * Every culprit explains at most one break: a sibling that was merely in flight, or a call that
 * already has its explanation, is never blamed twice.
 */

export type Cause =
  /** The unanswered client span whose callee began the break. */
  | { kind: 'call'; call: Call; rule: 'call-to-its-address' | 'call-in-flight' }
  /** A server span of another service in flight, that made the call without a client span. */
  | { kind: 'caller'; caller: SpanRecord }
  /** A server span of the same service: the service itself lost the context for later work. */
  | { kind: 'local'; server: SpanRecord }
  /** The probe itself: the entry service did not join the probe's trace. */
  | { kind: 'entry' };

export interface Attribution extends Break {
  cause: Cause;
}

export interface AttributionOptions {
  skewMs: number;
  listeners: Listeners;
  /** Unanswered client spans of traces that are no probe's: calls of unrelated requests. */
  otherCalls: readonly SpanRecord[];
  /** Services that exported at least one client span in the run. */
  clientServices: ReadonlySet<string>;
  /** The spans of a trace, for the requests that are no probe's (a readiness or health check). */
  traceSpans: (traceId: string) => readonly SpanRecord[];
}

/** Deferred work (a fire-and-forget call) is judged this long after the request it came from. */
export const FOLLOW_UP_MS = 2000;

interface State extends AttributionOptions {
  probes: readonly ProbeAnalysis[];
  /** Client spans and server spans that already explain a break, as a call or a caller. */
  used: Set<SpanRecord>;
  /** Server spans whose own deferred work already explains a break. */
  deferred: Set<SpanRecord>;
  /** Probes whose entry already explains a break (`3`), or that already broke off towards a
   * service through an uninstrumented call (`3\u0000payment`). */
  entries: Set<string>;
  /**
   * Server spans of breaks that are no probe's doing (requests the probes did not send), as
   * callers for later breaks. Breaks come in start order, so a span that ended (plus the skew)
   * before the current break began can never be a caller again: it is dropped, which keeps the
   * window small however many unrelated requests a flood brings.
   */
  unrelated: SpanRecord[];
  /** Traces whose server spans are in `unrelated` already. */
  unrelatedTraces: Set<string>;
  /** Client spans by trace and parent span id, built once per trace when first asked. */
  clientsByParent: Map<string, Map<string, SpanRecord[]>>;
}

/** Unrelated requests kept as callers at most: a flood of them must not make attribution slow. */
const MAX_UNRELATED_CALLERS = 1000;

/** A probe and the cause, `unrelated` for a break that is no probe's doing, or no match. */
type Rule = (brk: Break, state: State) => { probe: number; cause: Cause } | 'unrelated' | undefined;

/** The rules, in the order they are tried. */
const RULES: readonly Rule[] = [
  // 0. A call of a request that is no probe's (a wait-for request, a health check that calls on),
  //    to the address the break listened on, in flight when it began: not the probes' doing.
  unrelatedCall,
  // 1. A call to the address the break's server span listened on, in flight when it began.
  (brk, state) => closestCall(brk, state, (call) => samePort(call.client, brk.span)),
  // 2. Any call in flight when it began, unless a known other service listens where it went.
  (brk, state) => closestCall(brk, state, (call) => !calledElsewhere(call, brk.span, state)),
  // 3. A server span of another service in flight, for a callee not yet in that probe's trace:
  //    that service called without an instrumented client.
  uninstrumentedCaller,
  // 4. A call or job that began a trace in a service while (or just after) it served a probe.
  contextLostInService,
  // 5. A server span while a probe whose entry did not join was in flight: the entry itself.
  entryNotJoined,
];

export function attribute(
  breaks: readonly Break[],
  probes: ProbeAnalysis[],
  options: AttributionOptions,
  attach: (probe: ProbeAnalysis, traceId: string) => void,
): void {
  const state: State = {
    ...options,
    probes,
    used: new Set(),
    deferred: new Set(),
    entries: new Set(),
    unrelated: [],
    unrelatedTraces: new Set(),
    clientsByParent: new Map(),
  };
  for (const brk of breaks) {
    const found = firstCause(brk, state);
    // A request no probe sent (a readiness check) and what it called: their calls are their own.
    if (found === undefined || found === 'unrelated') {
      addUnrelated(brk.span.traceId, state);
      continue;
    }
    const probe = probes[found.probe]!;
    probe.breaks.push({ ...brk, cause: found.cause });
    if (!probe.component.some((graph) => graph.traceId === brk.span.traceId)) {
      attach(probe, brk.span.traceId);
    }
  }
}

function addUnrelated(traceId: string, state: State): void {
  if (state.unrelatedTraces.has(traceId)) return;
  state.unrelatedTraces.add(traceId);
  for (const span of state.traceSpans(traceId))
    if (span.kind === 'server') state.unrelated.push(span);
  if (state.unrelated.length > MAX_UNRELATED_CALLERS) {
    state.unrelated = state.unrelated.slice(-MAX_UNRELATED_CALLERS);
  }
}

function firstCause(brk: Break, state: State): ReturnType<Rule> {
  for (const rule of RULES) {
    const found = rule(brk, state);
    if (found !== undefined) return found;
  }
  return undefined;
}

function within(at: number, from: number, to: number, slack: number): boolean {
  return from - slack <= at && at <= to + slack;
}

function samePort(client: SpanRecord, server: SpanRecord): boolean {
  const port = spanPort(client);
  return port !== undefined && port === spanPort(server);
}

/** The call went to a port where a known service other than the break's listens. */
function calledElsewhere(call: Call, server: SpanRecord, state: State): boolean {
  const port = spanPort(call.client);
  const services = port === undefined ? undefined : state.listeners.get(port);
  return services !== undefined && !services.has(server.service);
}

/** The unused open call holding the break's start whose own start is nearest to it. */
function closestCall(
  brk: Break,
  state: State,
  accept: (call: Call) => boolean,
): { probe: number; cause: Cause } | undefined {
  const at = brk.span.startTimeMs;
  let best: Call | undefined;
  for (const probe of state.probes) {
    for (const call of probe.calls) {
      if (call.external || state.used.has(call.client)) continue;
      // A span that began a trace without listening (a client or internal root) is not the
      // answer to a call of its own service: that is the service losing its context (rule 4).
      if (brk.span.kind !== 'server' && call.client.service === brk.span.service) continue;
      const { startTimeMs: from, endTimeMs: to } = call.client;
      if (!within(at, from, to, state.skewMs) || !accept(call)) continue;
      if (best === undefined || Math.abs(at - from) < Math.abs(at - best.client.startTimeMs))
        best = call;
    }
  }
  if (best === undefined) return undefined;
  state.used.add(best.client);
  const rule = samePort(best.client, brk.span) ? 'call-to-its-address' : 'call-in-flight';
  return { probe: best.probe, cause: { kind: 'call', call: best, rule } };
}

function unrelatedCall(brk: Break, state: State): ReturnType<Rule> {
  // Only a server span listens at an address. A client span that began a new trace is itself an
  // unanswered call elsewhere, to its own port: it must not explain itself away.
  if (brk.span.kind !== 'server') return undefined;
  const at = brk.span.startTimeMs;
  const attached = new Set(state.probes.flatMap((p) => p.component.map((g) => g.traceId)));
  const index = state.otherCalls.findIndex(
    (client) =>
      !attached.has(client.traceId) &&
      !state.used.has(client) &&
      samePort(client, brk.span) &&
      within(at, client.startTimeMs, client.endTimeMs, state.skewMs),
  );
  if (index < 0) return undefined;
  state.used.add(state.otherCalls[index]!);
  return 'unrelated';
}

function uninstrumentedCaller(brk: Break, state: State): ReturnType<Rule> {
  if (brk.span.kind !== 'server') return undefined;
  const at = brk.span.startTimeMs;
  let best: { probe: number | undefined; caller: SpanRecord; rank: CallerRank } | undefined;
  const consider = (probe: number | undefined, spans: readonly SpanRecord[]): void => {
    for (const span of spans) {
      if (span.kind !== 'server' || span.service === brk.span.service) continue;
      if (state.used.has(span) || !within(at, span.startTimeMs, span.endTimeMs, state.skewMs))
        continue;
      const rank = callerRank(span, brk.span, state);
      if (best === undefined || compareRanks(rank, best.rank) < 0) {
        best = { probe, caller: span, rank };
      }
    }
  };
  state.probes.forEach((probe, index) => {
    // The callee already answered in this probe's own trace, or already broke off it through an
    // uninstrumented call: this request is not (another) one of its calls.
    if (probe.graph.spans.some((s) => s.service === brk.span.service)) return;
    if (state.entries.has(`${index}\u0000${brk.span.service}`)) return;
    consider(index, probe.graph.spans);
  });
  // Requests no probe sent are callers too: the tightest fit wins, probe or not.
  state.unrelated = state.unrelated.filter((span) => span.endTimeMs + state.skewMs >= at);
  consider(undefined, state.unrelated);
  const found = best as { probe: number | undefined; caller: SpanRecord } | undefined;
  if (found === undefined) return undefined;
  state.used.add(found.caller);
  if (found.probe === undefined) return 'unrelated';
  state.entries.add(`${found.probe}\u0000${brk.span.service}`);
  return { probe: found.probe, cause: { kind: 'caller', caller: found.caller } };
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
  const encloses = span.startTimeMs <= at && callee.endTimeMs <= span.endTimeMs + state.skewMs;
  const gapMs = Math.abs(at - span.startTimeMs) + Math.abs(span.endTimeMs - callee.endTimeMs);
  return [
    awaitsCall(span, at, state) ? 1 : 0,
    encloses ? 0 : 1,
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
  let byParent = state.clientsByParent.get(server.traceId);
  if (byParent === undefined) {
    byParent = new Map();
    for (const span of state.traceSpans(server.traceId)) {
      if (span.kind !== 'client' || span.parentSpanId === undefined) continue;
      const siblings = byParent.get(span.parentSpanId);
      if (siblings === undefined) byParent.set(span.parentSpanId, [span]);
      else siblings.push(span);
    }
    state.clientsByParent.set(server.traceId, byParent);
  }
  return (byParent.get(server.spanId) ?? []).some(
    (client) => client.startTimeMs <= at && at <= client.endTimeMs,
  );
}

function contextLostInService(brk: Break, state: State): ReturnType<Rule> {
  if (brk.span.kind !== 'client' && brk.span.kind !== 'producer') return undefined;
  const at = brk.span.startTimeMs;
  let best: { probe: number; server: SpanRecord } | undefined;
  state.probes.forEach((probe, index) => {
    for (const span of probe.graph.spans) {
      if (span.kind !== 'server' || span.service !== brk.span.service || state.deferred.has(span))
        continue;
      // Same process, one clock: it began during the request, or soon after it ended.
      if (!within(at, span.startTimeMs, span.endTimeMs + FOLLOW_UP_MS, LOCAL_SLACK_MS)) continue;
      if (best === undefined || span.startTimeMs > best.server.startTimeMs)
        best = { probe: index, server: span };
    }
  });
  if (best === undefined) return undefined;
  state.deferred.add(best.server);
  return { probe: best.probe, cause: { kind: 'local', server: best.server } };
}

function entryNotJoined(brk: Break, state: State): ReturnType<Rule> {
  if (brk.span.kind !== 'server') return undefined;
  const at = brk.span.startTimeMs;
  let best: number | undefined;
  state.probes.forEach((probe, index) => {
    if (probe.entrySpans.length > 0 || probe.probe.status === undefined) return;
    if (state.entries.has(String(index))) return;
    if (!within(at, probe.probe.startMs, probe.probe.endMs, state.skewMs)) return;
    // The probe sent nearest before the break: under concurrency each entry explains its own.
    const distance = Math.abs(at - probe.probe.startMs);
    if (best === undefined || distance < Math.abs(at - state.probes[best]!.probe.startMs))
      best = index;
  });
  if (best === undefined) return undefined;
  state.entries.add(String(best));
  return { probe: best, cause: { kind: 'entry' } };
}
