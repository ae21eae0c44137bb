import type { Call, ProbeAnalysis, RunAnalysis } from '../analysis';
import type { Attribution } from '../attribution';
import { callAddress, calleeOf } from '../destinations';
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

/** The break a call explains, when attribution gave it one. */
export function breakOfCall(ctx: CheckContext, call: Call): Attribution | undefined {
  return ctx.probe.breaks.find((b) => b.cause.kind === 'call' && b.cause.call === call);
}

/**
 * Who a call went to, in the user's words: the service that answered it in a broken-off trace,
 * else the known service listening at its address, else the address itself.
 */
export function calleeName(ctx: CheckContext, call: Call): string {
  return (
    breakOfCall(ctx, call)?.span.service ??
    ctx.run.continuations.leaks.find((leak) => leak.call === call)?.span.service ??
    calleeOf(call.client, ctx.run.listeners) ??
    callAddress(call.client)
  );
}

/** `1 span` / `3 spans`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
