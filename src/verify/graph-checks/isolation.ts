import { describeSpan } from '../spans';
import { count, type CheckContext, type CheckResult } from './context';

/**
 * Isolation: no span of another request joined this probe's trace, and no span of this probe's
 * work went into another's. Work that continues the trace after the answer, its parent chain
 * intact, is correct propagation: listed as "after the answer", never failed.
 */
export function contextIsolated(ctx: CheckContext): CheckResult {
  const { leaks, afterAnswer } = ctx.run.continuations;
  const joined = leaks.filter((leak) => leak.host === ctx.index);
  // A leaked server span is diagnosed by calls_answered, at the owner's unanswered call.
  const lost = leaks.filter((leak) => leak.owner === ctx.index && leak.call === undefined);
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
