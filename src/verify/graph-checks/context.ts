import type { Call, ProbeAnalysis, RunAnalysis } from '../analysis';
import type { Attribution } from '../attribution';
import { callAddress, calleeOf } from '../destinations';
import type { Leak } from '../leaks';
import type { TargetInput } from '../target-types';
import type { Finding } from '../types';

/** What every graph check reads: the run, and the probe it judges. */
export interface CheckContext {
  input: TargetInput;
  run: RunAnalysis;
  /** Index of the probe in the run. */
  index: number;
  probe: ProbeAnalysis;
}

/** A check's finding, and the diagnoses that explain its failures (none when it passed). */
export interface CheckResult {
  finding: Omit<Finding, 'hop'>;
  diagnoses: string[];
}

/**
 * The break a call explains, when attribution gave it one: the first in the probe's breaks, as a
 * search of them would find. Read for every call of the probe (calls_answered, its diagnoses,
 * the edges), and a probe with n traces attached holds n calls and n breaks: a search per call
 * was n^2 (61,425 roots attached to one probe: 38 s of CPU in one synchronous turn).
 */
export function breakOfCall(ctx: CheckContext, call: Call): Attribution | undefined {
  return breakExplaining(ctx.probe.breaks, call);
}

/** `breakOfCall` from a probe's breaks (the wait asks it too, at every look at the spans). */
export function breakExplaining(
  breaks: readonly Attribution[],
  call: Call,
): Attribution | undefined {
  return firstByCall(breakIndex, breaks, (b) =>
    b.cause.kind === 'call' ? b.cause.call : undefined,
  ).get(call);
}

/** The run's first leak that answered a call (a server span in the wrong trace), if any. */
export function leakOfCall(ctx: CheckContext, call: Call): Leak | undefined {
  return leakAnswering(ctx.run.continuations.leaks, call);
}

/** `leakOfCall` from the run's leaks. */
export function leakAnswering(leaks: readonly Leak[], call: Call): Leak | undefined {
  return firstByCall(leakIndex, leaks, (leak) => leak.call).get(call);
}

/**
 * `breakOfCall`'s and `leakOfCall`'s indexes: each list's items by the call they name, the first
 * one kept. Built on first use, once per list (a probe's breaks, the run's leaks), and dropped
 * with it. The lists are complete before any check runs; the length is kept anyway, so a list
 * that grew since is indexed again rather than answered from a stale index.
 */
interface CallIndex<T> {
  length: number;
  byCall: Map<Call, T>;
}

const breakIndex = new WeakMap<readonly Attribution[], CallIndex<Attribution>>();
const leakIndex = new WeakMap<readonly Leak[], CallIndex<Leak>>();

function firstByCall<T>(
  indexes: WeakMap<readonly T[], CallIndex<T>>,
  list: readonly T[],
  callOf: (item: T) => Call | undefined,
): Map<Call, T> {
  const known = indexes.get(list);
  if (known !== undefined && known.length === list.length) return known.byCall;
  const byCall = new Map<Call, T>();
  for (const item of list) {
    const call = callOf(item);
    if (call !== undefined && !byCall.has(call)) byCall.set(call, item);
  }
  indexes.set(list, { length: list.length, byCall });
  return byCall;
}

/**
 * Who a call went to, in the user's words: the service that answered it in a broken-off trace,
 * else the known service listening at its address, else the address itself.
 */
export function calleeName(ctx: CheckContext, call: Call): string {
  return (
    breakOfCall(ctx, call)?.span.service ??
    leakOfCall(ctx, call)?.span.service ??
    calleeOf(call.client, ctx.run.listeners) ??
    callAddress(call.client)
  );
}

/** `1 span` / `3 spans`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
