import type { ProbeAnalysis } from './analysis';
import { callsGrew, closestCall } from './attribution-calls';
import { keepUnrelated, trimUnrelated } from './attribution-caller-index';
import { uninstrumentedCaller } from './attribution-callers';
import { unjoinedAt } from './attribution-entry-index';
import { latestCovering, localServers, take, type LocalServers } from './attribution-local';
import { unrelatedCall } from './attribution-unrelated';
import {
  FOLLOW_UP_MS,
  within,
  type AttributionOptions,
  type ProbeServer,
  type Rule,
  type State,
} from './attribution-state';
import type { Break } from './breaks';
import { LOCAL_SLACK_MS } from './target-types';

export {
  FOLLOW_UP_MS,
  type Attribution,
  type AttributionOptions,
  type Cause,
  type WaitingCalls,
} from './attribution-state';

/**
 * Which probe caused each break, and through which call. Explicit rules, tried in order; the
 * first that finds a culprit wins. Breaks are taken in start order, so a break downstream of a
 * first one can be traced through the trace that broke off (its calls join the candidates).
 * Every culprit explains at most one break: a sibling that was merely in flight, or a call that
 * already has its explanation, is never blamed twice.
 */

/** Unrelated requests kept as callers at most: a flood of them must not make attribution slow. */
const MAX_UNRELATED_CALLERS = 1000;

/** The rules, in the order they are tried. */
const RULES: readonly Rule[] = [
  // 0. A call of a request that is no probe's (a wait-for request, a health check that calls on),
  //    to the address the break listened on, in flight when it began: not the probes' doing.
  unrelatedCall,
  // 1. A call to the address the break's server span listened on, in flight when it began.
  (brk, state) => closestCall(brk, state, 'to-its-address'),
  // 2. Any call in flight when it began, unless a known other service listens where it went
  //    (its port, and its host where both tell).
  (brk, state) => closestCall(brk, state, 'in-flight'),
  // 3. A server span of another service in flight, for a callee not yet in that probe's trace
  //    (or, for one already in it, a forwarder: a gateway exporting server spans only): that
  //    service called without an instrumented client.
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
    unrelatedFloor: Infinity,
    unrelatedServices: new Map(),
    unrelatedTraces: new Set(),
    clientsByParent: new Map(),
    attachedTraces: new Set(probes.flatMap((p) => p.component.map((g) => g.traceId))),
    otherCallsByPort: undefined,
    inStartOrder: inStartOrder(breaks),
    serversByService: undefined,
    calls: undefined,
    listenerHosts: undefined,
    forwarders: new Map(),
    callerSweep: undefined,
    unjoined: undefined,
    unjoinedSweep: undefined,
  };
  const components = probes.map((): Component => ({ traces: new Set(), read: 0 }));
  for (const brk of breaks) {
    const found = firstCause(brk, state);
    // A request no probe sent (a readiness check) and what it called: their calls are their own.
    if (found === undefined || found === 'unrelated') {
      addUnrelated(brk.span.traceId, state);
      continue;
    }
    const probe = probes[found.probe]!;
    probe.breaks.push({ ...brk, cause: found.cause });
    if (!inComponent(probe, components[found.probe]!, brk.span.traceId)) {
      attach(probe, brk.span.traceId);
      callsGrew(state, found.probe);
      state.attachedTraces.add(brk.span.traceId);
    }
  }
}

/**
 * The trace ids of a probe's component, read as it grows: a probe that thousands of traces
 * attach to must not cost each break a walk of them all (`component.some` did). `attach` (or
 * anything) only appends to `probe.component`, so the graphs from `read` on are the new ones.
 */
interface Component {
  traces: Set<string>;
  read: number;
}

function inComponent(probe: ProbeAnalysis, component: Component, traceId: string): boolean {
  for (; component.read < probe.component.length; component.read += 1)
    component.traces.add(probe.component[component.read]!.traceId);
  return component.traces.has(traceId);
}

/** Every break's start a number, none before the one before it (`findBreaks` sorts them). */
function inStartOrder(breaks: readonly Break[]): boolean {
  let last = -Infinity;
  for (const brk of breaks) {
    const at = brk.span.startTimeMs;
    if (!(at >= last)) return false;
    last = at;
  }
  return true;
}

function addUnrelated(traceId: string, state: State): void {
  if (state.unrelatedTraces.has(traceId)) return;
  state.unrelatedTraces.add(traceId);
  for (const span of state.traceSpans(traceId))
    if (span.kind === 'server') keepUnrelated(state, span);
  trimUnrelated(state, MAX_UNRELATED_CALLERS);
}

function firstCause(brk: Break, state: State): ReturnType<Rule> {
  for (const rule of RULES) {
    const found = rule(brk, state);
    if (found !== undefined) return found;
  }
  return undefined;
}

function contextLostInService(brk: Break, state: State): ReturnType<Rule> {
  if (brk.span.kind !== 'client' && brk.span.kind !== 'producer') return undefined;
  // Only the server spans of the break's own service: a flood of breaks of a service the probes
  // never reach costs nothing, and one of a service they do reach a search, not a walk.
  const servers = serversOf(brk.span.service, state);
  if (servers === undefined) return undefined;
  const at = brk.span.startTimeMs;
  for (;;) {
    // Same process, one clock: it began during the request, or soon after it ended.
    const index = latestCovering(servers, at);
    if (index < 0) return undefined;
    const best = servers.sorted[index]!;
    take(servers, index);
    // A span listed twice (two probes sharing a trace) is taken once: skip its other entry.
    if (state.deferred.has(best.server)) continue;
    state.deferred.add(best.server);
    return { probe: best.probe, cause: { kind: 'local', server: best.server } };
  }
}

/**
 * The server spans of `service` in the probes' own traces (see `LocalServers`); indexed when
 * first asked (the probes' traces do not change during attribution).
 */
function serversOf(service: string, state: State): LocalServers | undefined {
  if (state.serversByService === undefined) {
    const byService = new Map<string, ProbeServer[]>();
    state.probes.forEach((probe, index) => {
      for (const span of probe.graph.spans) {
        if (span.kind !== 'server') continue;
        const list = byService.get(span.service);
        if (list === undefined) byService.set(span.service, [{ probe: index, server: span }]);
        else list.push({ probe: index, server: span });
      }
    });
    // Imported constants read once here: tsx turns each read into a getter call.
    const followUp = FOLLOW_UP_MS;
    const slack = LOCAL_SLACK_MS;
    state.serversByService = new Map(
      [...byService].map(([name, list]) => [name, localServers(list, followUp, slack)]),
    );
  }
  return state.serversByService.get(service);
}

function entryNotJoined(brk: Break, state: State): ReturnType<Rule> {
  if (brk.span.kind !== 'server') return undefined;
  const at = brk.span.startTimeMs;
  let best: number | undefined;
  let nearest = NaN;
  for (const index of unjoinedAt(state, at)) {
    const probe = state.probes[index]!;
    if (state.entries.has(String(index))) continue;
    if (!within(at, probe.probe.startMs, probe.probe.endMs, state.skewMs)) continue;
    // The probe sent nearest before the break: under concurrency each entry explains its own.
    // On equal distances the first probe (the sweep lists them in no order).
    const distance = Math.abs(at - probe.probe.startMs);
    if (best === undefined || distance < nearest || (distance === nearest && index < best)) {
      best = index;
      nearest = distance;
    }
  }
  if (best === undefined) return undefined;
  state.entries.add(String(best));
  return { probe: best, cause: { kind: 'entry' } };
}
