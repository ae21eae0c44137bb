import type { Leak } from '../leaks';
import { describeSpan } from '../spans';
import { count, type CheckContext, type CheckResult } from './context';

/**
 * Isolation: no span of another request joined this probe's trace, and no span of this probe's
 * work went into another's. Work that continues the trace after the answer, its parent chain
 * intact, is correct propagation: listed as "after the answer", never failed.
 */
export function contextIsolated(ctx: CheckContext): CheckResult {
  const { afterAnswer } = ctx.run.continuations;
  const { joined, lost } = leaksOf(ctx.run.continuations.leaks, ctx.index);
  const probeNumber = (index: number | undefined): string =>
    index === undefined
      ? 'a request that was no probe'
      : `probe ${ctx.run.probes[index]!.probe.index}`;
  const diagnoses = [
    ...joined.map(
      (leak) =>
        `${describeSpan(leak.span)} joined this probe's trace after the work it continues had ended; it belongs to ${probeNumber(leak.owner)}: ${leak.span.service} kept a context and used it for a later request (context leaked between requests).`,
    ),
    ...lost.map(
      (leak) =>
        `${leak.span.service}: this probe's ${leak.span.kind} span ${leak.span.spanId} (${leak.span.name}) went into the trace of ${probeNumber(leak.host)}: ${leak.span.service} used a context kept from an earlier request (context leaked between requests).`,
    ),
  ];
  const after = afterAnswer[ctx.index] ?? [];
  const failed = joined.length + lost.length;
  return {
    finding: {
      check: 'context_isolated',
      title: "no span of another request joins the probe's trace, and none of its work leaves it",
      expected: '0 leaked spans',
      observed: `${failed ? `${count(failed, 'leaked span')}: ${[...joined, ...lost].map((l) => describeSpan(l.span)).join('; ')}` : '0 leaked spans'}${after.length ? `; ${count(after.length, 'span')} after the answer, parent chain intact (context kept correctly)` : ''}`,
      passed: failed === 0,
    },
    diagnoses,
  };
}

/**
 * The run's leaks by the probe whose trace they joined, and by the probe whose work they took
 * out of its trace, in the run's order. Indexed once per run: a filter of every leak for each
 * probe was probes x leaks. The length guards against a list that grew since (see context.ts).
 */
interface LeakIndex {
  length: number;
  joined: Map<number, Leak[]>;
  lost: Map<number, Leak[]>;
}

const leakIndexes = new WeakMap<readonly Leak[], LeakIndex>();

function leaksOf(leaks: readonly Leak[], index: number): { joined: Leak[]; lost: Leak[] } {
  let known = leakIndexes.get(leaks);
  if (known === undefined || known.length !== leaks.length) {
    known = { length: leaks.length, joined: new Map(), lost: new Map() };
    for (const leak of leaks) {
      if (leak.host !== undefined) push(known.joined, leak.host, leak);
      // A leaked server span is diagnosed by calls_answered, at the owner's unanswered call.
      if (leak.call === undefined) push(known.lost, leak.owner, leak);
    }
    leakIndexes.set(leaks, known);
  }
  return { joined: known.joined.get(index) ?? [], lost: known.lost.get(index) ?? [] };
}

function push(map: Map<number, Leak[]>, key: number, leak: Leak): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [leak]);
  else list.push(leak);
}
