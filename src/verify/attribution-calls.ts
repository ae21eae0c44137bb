import type { Call } from './analysis';
import { listenerHosts, listensAt } from './attribution-address';
import {
  addCalls,
  searchCalls,
  type CallIndex,
  type Entry,
  type Query,
} from './attribution-call-index';
import { samePort, within, type Cause, type State } from './attribution-state';
import type { Break } from './breaks';
import { spanPort } from './trace-graph';

/**
 * Rules 1 and 2 of the attribution: the unused open call holding the break's start whose own
 * start is nearest to it (see attribution-call-index.ts for the order on equal distances),
 * among the calls whose window holds it first, then among those that hold it within the skew.
 * Rule 1 takes only calls to the port the break's span names; rule 2 any call, unless a known
 * service other than the break's listens where it went. The calls are indexed by the port they
 * called, so that each rule searches only the calls it can accept: a flood of calls a rule
 * refuses (to another port, or where another service listens) costs it nothing.
 */

/** The probes' calls as indexed for rules 1 and 2; built at the first search. */
export interface CallSearch {
  /** By the port called. A Map finds NaN where `===` never does: rule 1 never asks for NaN. */
  byPort: Map<number, CallIndex>;
  /**
   * Calls to no port, or to a port (and host) where no known service listens: rule 2 accepts
   * them all. A call to a host no listener there names is in its port's index too (rule 1).
   */
  unlisted: CallIndex;
  /** Services' ids, for the index's "leave this service out". */
  services: Map<string, number>;
  /** Per probe, how many of its calls are indexed (a trace attached later appends calls). */
  indexed: number[];
  /** Probes whose calls may have grown since the last search. */
  grown: number[];
  /** The ports each service listens on (from `listeners`): rule 2 accepts its calls there. */
  portsOf: Map<string, number[]>;
}

export type CallRule = 'to-its-address' | 'in-flight';

export function closestCall(
  brk: Break,
  state: State,
  rule: CallRule,
): { probe: number; cause: Cause } | undefined {
  // A time or skew that is no finite number: the walk, whose answers the index reproduces only
  // for finite ones (with an infinite `at` every distance is Infinity or NaN).
  const find =
    Number.isFinite(brk.span.startTimeMs) && Number.isFinite(state.skewMs) ? search : walk;
  // A call whose own window holds the break's start first; only then one that holds it within
  // the skew. Nearest start alone let a call that began after the break (inside the skew) take
  // it from the call in flight when it began: sequential probes, each calling a service that
  // starts a new trace, then each took the next probe's break, and the last probe's went to
  // another rule, which blamed a sibling call (a flake of causal.test.ts at load 12).
  // A skew of 0 or less, or no number, is one search as before.
  const skew = state.skewMs;
  const best =
    skew > 0
      ? (find(brk, state, rule, 0) ?? find(brk, state, rule, skew))
      : find(brk, state, rule, skew);
  if (best === undefined) return undefined;
  state.used.add(best.client);
  const name = samePort(best.client, brk.span) ? 'call-to-its-address' : 'call-in-flight';
  return { probe: best.probe, cause: { kind: 'call', call: best, rule: name } };
}

/** Tells the search that `probe`'s calls grew (a trace broken off it was attached). */
export function callsGrew(state: State, probe: number): void {
  state.calls?.grown.push(probe);
}

/** Rule 1: the call went to the port the break's span names. Rule 2: not where another listens. */
function accepts(call: Call, brk: Break, state: State, rule: CallRule): boolean {
  return rule === 'to-its-address'
    ? samePort(call.client, brk.span)
    : !calledElsewhere(call, brk, state);
}

/**
 * The call went to a port where a known service other than the break's listens, at the host
 * the call named, as far as both tell (`listensAt`). A service of the break's own on that port
 * (any host) still lets the call through, as before hosts were read: only refusals are lifted,
 * since every refusal can leave a root the probes caused unexplained (a false pass).
 */
function calledElsewhere(call: Call, brk: Break, state: State): boolean {
  const port = spanPort(call.client);
  const services = port === undefined ? undefined : state.listeners.get(port);
  return services !== undefined && !services.has(brk.span.service) && listened(call, port!, state);
}

/** A known service may listen where the call went (port, and host where told). */
function listened(call: Call, port: number, state: State): boolean {
  state.listenerHosts ??= listenerHosts(state.spans);
  return listensAt(call.client, port, state.listenerHosts);
}

/**
 * A span that began a trace without listening (a client or internal root) is not the answer to
 * a call of its own service: that is the service losing its context (rule 4).
 */
function ownService(brk: Break, call: Call): boolean {
  return brk.span.kind !== 'server' && call.client.service === brk.span.service;
}

/** The walk over every call of every probe: the reference, kept for times that are not finite. */
function walk(brk: Break, state: State, rule: CallRule, skew: number): Call | undefined {
  const at = brk.span.startTimeMs;
  let best: Call | undefined;
  for (const probe of state.probes) {
    for (const call of probe.calls) {
      if (call.external || state.used.has(call.client) || ownService(brk, call)) continue;
      const { startTimeMs: from, endTimeMs: to } = call.client;
      if (!within(at, from, to, skew) || !accepts(call, brk, state, rule)) continue;
      if (best === undefined || Math.abs(at - from) < Math.abs(at - best.client.startTimeMs))
        best = call;
    }
  }
  return best;
}

/** One break's search: the walk's tests, exactly, on each candidate the index yields. */
class CallQuery implements Query {
  best: Entry | undefined = undefined;
  distance = Infinity;
  readonly at: number;
  readonly skew: number;
  readonly exclude: number;
  private readonly brk: Break;
  private readonly state: State;
  private readonly rule: CallRule;

  constructor(brk: Break, state: State, rule: CallRule, calls: CallSearch, skew: number) {
    this.brk = brk;
    this.state = state;
    this.rule = rule;
    this.at = brk.span.startTimeMs;
    this.skew = skew;
    const own = brk.span.kind !== 'server';
    this.exclude = own ? (calls.services.get(brk.span.service) ?? -1) : -1;
  }

  check(call: Call): 'used' | 'refused' | 'accepted' {
    const { brk, state } = this;
    if (state.used.has(call.client)) return 'used';
    const { startTimeMs: from, endTimeMs: to } = call.client;
    return !ownService(brk, call) &&
      within(this.at, from, to, this.skew) &&
      accepts(call, brk, state, this.rule)
      ? 'accepted'
      : 'refused';
  }
}

function search(brk: Break, state: State, rule: CallRule, skew: number): Call | undefined {
  const calls = callSearch(state);
  const query = new CallQuery(brk, state, rule, calls, skew);
  for (const index of indexesFor(brk, calls, rule, state)) searchCalls(index, query);
  return query.best?.call;
}

/** The indexes holding every call the rule can accept for this break. */
function indexesFor(brk: Break, calls: CallSearch, rule: CallRule, state: State): CallIndex[] {
  if (rule === 'to-its-address') {
    const port = spanPort(brk.span);
    const index = port === undefined || Number.isNaN(port) ? undefined : calls.byPort.get(port);
    return index === undefined ? [] : [index];
  }
  const indexes = [calls.unlisted];
  const ports = calls.portsOf.get(brk.span.service) ?? [];
  // The shorter of the two lists: a service whose server spans name thousands of ports (each
  // instance its own, or spans crafted so) must not cost each of its roots a visit of them all.
  if (ports.length <= calls.byPort.size) {
    for (const port of ports) {
      const index = calls.byPort.get(port);
      if (index !== undefined) indexes.push(index);
    }
  } else {
    for (const [port, index] of calls.byPort) {
      if (state.listeners.get(port)?.has(brk.span.service) === true) indexes.push(index);
    }
  }
  return indexes;
}

/** The search, built at the first call, with the calls appended since the last search added. */
function callSearch(state: State): CallSearch {
  if (state.calls === undefined) {
    const portsOf = new Map<string, number[]>();
    for (const [port, services] of state.listeners) {
      for (const service of services) {
        const ports = portsOf.get(service);
        if (ports === undefined) portsOf.set(service, [port]);
        else ports.push(port);
      }
    }
    state.calls = {
      byPort: new Map(),
      unlisted: { levels: [] },
      services: new Map(),
      indexed: state.probes.map(() => 0),
      grown: state.probes.map((_, index) => index),
      portsOf,
    };
  }
  const calls = state.calls;
  if (calls.grown.length > 0) addGrown(calls, state);
  return calls;
}

function addGrown(calls: CallSearch, state: State): void {
  const batches = new Map<CallIndex, Entry[]>();
  const add = (index: CallIndex, entry: Entry): void => {
    const batch = batches.get(index);
    if (batch === undefined) batches.set(index, [entry]);
    else batch.push(entry);
  };
  for (const probe of calls.grown) {
    const list = state.probes[probe]!.calls;
    for (let order = calls.indexed[probe]!; order < list.length; order += 1) {
      const call = list[order]!;
      const { startTimeMs: from, endTimeMs: to, service } = call.client;
      // Never a candidate: external, used, or a window no finite break can be in.
      if (call.external || state.used.has(call.client)) continue;
      if (Number.isNaN(from) || from === Infinity || Number.isNaN(to) || to === -Infinity) continue;
      let id = calls.services.get(service);
      if (id === undefined) calls.services.set(service, (id = calls.services.size));
      const entry: Entry = { call, start: from, probe, order, service: id };
      const port = spanPort(call.client);
      if (port !== undefined) add(byPort(calls, port), entry);
      // Rule 2 accepts it for every break: no known service listens at its port and host.
      if (
        port === undefined ||
        state.listeners.get(port) === undefined ||
        !listened(call, port, state)
      )
        add(calls.unlisted, entry);
    }
    calls.indexed[probe] = list.length;
  }
  calls.grown = [];
  for (const [index, entries] of batches) addCalls(index, entries);
}

function byPort(calls: CallSearch, port: number): CallIndex {
  let index = calls.byPort.get(port);
  if (index === undefined) calls.byPort.set(port, (index = { levels: [] }));
  return index;
}
