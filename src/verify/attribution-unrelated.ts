import { mayAnswer, servedAddress, type Served } from './attribution-address';
import { pop, push } from './attribution-heap';
import { within, type Rule, type State, type WaitingCalls } from './attribution-state';
import type { Break } from './breaks';
import { spanPort } from './trace-graph';
import type { SpanRecord } from './types';

/**
 * Rule 0 of the attribution (attribution.ts): a call of a request that is no probe's (a
 * wait-for request, a health check that calls on), to the address the break listened on, in
 * flight when it began, explains the break: not the probes' doing. The call taken is the first
 * in list order (`otherCalls`, by port) that is free, of no attached trace, and in flight.
 */

export function unrelatedCall(brk: Break, state: State): ReturnType<Rule> {
  // Only a server span listens at an address. A client span that began a new trace is itself an
  // unanswered call elsewhere, to its own port: it must not explain itself away.
  if (brk.span.kind !== 'server') return undefined;
  // Only calls to the port the break listened on can be its caller (samePort).
  const port = spanPort(brk.span);
  const waiting = port === undefined ? undefined : otherCallsTo(port, state);
  if (waiting === undefined) return undefined;
  // The first call in list order that is free, of no attached trace, in flight (`within`), and
  // that named the address the break served, as far as both tell (`mayAnswer`).
  const at = brk.span.startTimeMs;
  const served = servedAddress(brk.span);
  const index = state.inStartOrder
    ? firstBegun(waiting, at, served, state)
    : firstLive(waiting, at, served, state);
  if (index < 0) return undefined;
  state.used.add(waiting.calls[index]!);
  return 'unrelated';
}

/**
 * A call that can never explain this break nor any later one: used or attached (both only
 * grow), or, when the breaks come in start order, ended (plus the skew) before this one began.
 * Such calls are passed over for good, so a flood of roots does not read them again and again
 * (31,625 roots once read 31,375 attached calls each).
 */
function passedOver(client: SpanRecord, at: number, state: State): boolean {
  return (
    state.attachedTraces.has(client.traceId) ||
    state.used.has(client) ||
    (state.inStartOrder && !(at <= client.endTimeMs + state.skewMs))
  );
}

/**
 * Breaks in start order: a call whose window has begun (start minus the skew at or before this
 * break) has begun for every later break, so the begun calls wait in a heap by list index. Its
 * top, once the calls passed over are dropped, is begun and not ended: the first in flight.
 */
function firstBegun(waiting: WaitingCalls, at: number, served: Served, state: State): number {
  const { calls, byStart, heap } = waiting;
  for (; waiting.begun < byStart.length; waiting.begun += 1) {
    const index = byStart[waiting.begun]!;
    if (!(calls[index]!.startTimeMs - state.skewMs <= at)) break;
    push(heap, index);
  }
  // A call to another address (host or path) may still answer a later break: set aside, then
  // back in the heap. These are read again per break (linear in them only).
  const otherAddress: number[] = [];
  let found = -1;
  while (heap.length > 0) {
    const index = heap[0]!;
    pop(heap);
    if (passedOver(calls[index]!, at, state)) continue;
    if (mayAnswer(calls[index]!, served)) {
      found = index;
      break;
    }
    otherAddress.push(index);
  }
  for (const index of otherAddress) push(heap, index);
  return found;
}

/**
 * Breaks out of order (a start that is no number): a walk in list order, with the calls passed
 * over skipped for good (`next`). Calls not in flight for this break (or to another address)
 * are read again by the next.
 */
function firstLive(waiting: WaitingCalls, at: number, served: Served, state: State): number {
  const { calls, next } = waiting;
  for (let index = live(next, 0); index < calls.length; index = live(next, index + 1)) {
    const client = calls[index]!;
    if (passedOver(client, at, state)) next[index] = index + 1;
    else if (
      within(at, client.startTimeMs, client.endTimeMs, state.skewMs) &&
      mayAnswer(client, served)
    )
      return index;
  }
  return -1;
}

/** The first index at or after `index` not passed over for good (the list's length if none). */
function live(next: Int32Array, index: number): number {
  let found = index;
  while (next[found] !== found) found = next[found]!;
  // Path compression: the next walk from any of these jumps straight to `found`.
  for (let at = index; at !== found;) {
    const after = next[at]!;
    next[at] = found;
    at = after;
  }
  return found;
}

/** The unrelated calls to `port` (none for NaN: a port that is no number matches nothing). */
function otherCallsTo(port: number, state: State): WaitingCalls | undefined {
  if (state.otherCallsByPort === undefined) {
    const byPort = new Map<number, SpanRecord[]>();
    for (const client of state.otherCalls) {
      const called = spanPort(client);
      if (called === undefined || Number.isNaN(called)) continue;
      const calls = byPort.get(called);
      if (calls === undefined) byPort.set(called, [client]);
      else calls.push(client);
    }
    state.otherCallsByPort = new Map(
      [...byPort].map(([called, calls]) => [called, waitingCalls(calls, state)]),
    );
  }
  return Number.isNaN(port) ? undefined : state.otherCallsByPort.get(port);
}

function waitingCalls(calls: SpanRecord[], state: State): WaitingCalls {
  const next = Int32Array.from({ length: calls.length + 1 }, (_, index) => index);
  if (!state.inStartOrder) return { calls, next, byStart: new Int32Array(0), begun: 0, heap: [] };
  // By start minus the skew (the window's opening, as `within` computes it); NaN never opens.
  const opens = calls.map((client) => client.startTimeMs - state.skewMs);
  const order = [...opens.keys()].filter((index) => !Number.isNaN(opens[index]));
  order.sort((a, b) => (opens[a]! < opens[b]! ? -1 : opens[a]! > opens[b]! ? 1 : a - b));
  return { calls, next, byStart: Int32Array.from(order), begun: 0, heap: [] };
}
