import type { State } from './attribution-state';
import { sweepTo, timeSweep, type TimeSweep } from './attribution-sweep';
import type { SpanRecord } from './types';

/**
 * The probes' server spans in flight at a break, for rule 3 (`uninstrumentedCaller`), found by a
 * sweep (`TimeSweep`) instead of a walk of every probe. The rule walked every probe for each
 * server root (`some` over its spans, then its forwarders): 50,000 server roots of a service 4,000
 * probes reach took 20 to 37 s of CPU, and 4,000 roots of a service none reaches, whose roots
 * read every span of every probe, 82 s. A span leaves the sweep once ended or once it explains a
 * break (`used` only grows).
 */

/** A server span of a probe's own trace, with the probe and its position in that trace. */
export interface ProbeRequest {
  probe: number;
  position: number;
  span: SpanRecord;
}

export interface CallerSweep {
  /** The probes' server spans, swept by start. */
  requests: TimeSweep<ProbeRequest>;
  /**
   * Per service, the probes that know it: their own trace holds it, or one of their requests
   * already called it without a client (`entries`, `3\u0000payment`, kept here too).
   */
  known: Map<string, Set<number>>;
}

/**
 * The sweep, built when first asked; none when the breaks are not in start order or the skew is
 * no finite number (the walk is kept for those).
 */
export function callerSweep(state: State): CallerSweep | undefined {
  if (!state.inStartOrder || !Number.isFinite(state.skewMs)) return undefined;
  if (state.callerSweep !== undefined) return state.callerSweep;
  const requests: ProbeRequest[] = [];
  const known = new Map<string, Set<number>>();
  state.probes.forEach((probe, index) => {
    const spans = probe.graph.spans;
    for (let position = 0; position < spans.length; position += 1) {
      const span = spans[position]!;
      const probes = known.get(span.service);
      if (probes === undefined) known.set(span.service, new Set([index]));
      else probes.add(index);
      if (span.kind === 'server') requests.push({ probe: index, position, span });
    }
  });
  state.callerSweep = {
    requests: timeSweep(
      requests,
      (request) => request.span.startTimeMs,
      (request) => request.span.endTimeMs,
      state.skewMs,
    ),
    known,
  };
  return state.callerSweep;
}

/**
 * The probes' server spans that may be in flight at `at` (begun within the skew, not ended
 * before it within the skew, not used), in no particular order; undefined for a break that
 * begins before the last one (not swept: the caller walks).
 */
export function inFlight(
  sweep: CallerSweep,
  at: number,
  state: State,
): readonly ProbeRequest[] | undefined {
  return sweepTo(sweep.requests, at, (request) => !state.used.has(request.span));
}

/** The probe knows the service (see `CallerSweep.known`). */
export function knows(sweep: CallerSweep, probe: number, service: string): boolean {
  return sweep.known.get(service)?.has(probe) === true;
}

/** A request of the probe called the service without a client: it knows it from now on. */
export function learn(sweep: CallerSweep | undefined, probe: number, service: string): void {
  if (sweep === undefined) return;
  const probes = sweep.known.get(service);
  if (probes === undefined) sweep.known.set(service, new Set([probe]));
  else probes.add(probe);
}

/**
 * The unrelated requests kept as callers (`State.unrelated`, at most 1,000), with what spares
 * each server root a pass over them: a bound below every end plus the skew (nothing to drop
 * while a break begins no later), and how many are of each service (none is a caller of a break
 * of its own service). Under a flood of one service's roots the list stays full of that
 * service's requests, and each root copied and read all of them.
 */
export function keepUnrelated(state: State, span: SpanRecord): void {
  state.unrelated.push(span);
  const end = span.endTimeMs + state.skewMs;
  // A time that is no number makes the bound none (NaN) until the next pass drops it.
  if (Number.isNaN(end) || end < state.unrelatedFloor) state.unrelatedFloor = end;
  count(state, span.service, 1);
}

/** Only the last `max` unrelated requests kept. */
export function trimUnrelated(state: State, max: number): void {
  if (state.unrelated.length <= max) return;
  const dropped = state.unrelated.length - max;
  for (let index = 0; index < dropped; index += 1)
    count(state, state.unrelated[index]!.service, -1);
  state.unrelated = state.unrelated.slice(dropped);
}

/** Drop the unrelated requests that ended (plus the skew) before `at`, in order. */
export function expireUnrelated(state: State, at: number): void {
  if (state.unrelatedFloor >= at) return;
  const skew = state.skewMs;
  let floor = Infinity;
  let kept = 0;
  const list = state.unrelated;
  for (const span of list) {
    const end = span.endTimeMs + skew;
    if (!(end >= at)) {
      count(state, span.service, -1);
      continue;
    }
    if (end < floor) floor = end;
    list[kept++] = span;
  }
  list.length = kept;
  state.unrelatedFloor = floor;
}

/** Some unrelated request is of another service than `service`. */
export function unrelatedOtherThan(state: State, service: string): boolean {
  return state.unrelated.length > (state.unrelatedServices.get(service) ?? 0);
}

function count(state: State, service: string, by: number): void {
  const now = (state.unrelatedServices.get(service) ?? 0) + by;
  if (now === 0) state.unrelatedServices.delete(service);
  else state.unrelatedServices.set(service, now);
}
