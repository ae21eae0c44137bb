import type { Call } from '../analysis';
import { callAddress } from '../destinations';
import { FLAG, KIND } from '../span-columns';
import { describeCall, describeServerCall } from '../trace-graph';
import type { SpanRecord } from '../types';
import { calleeName, count, type CheckContext, type CheckResult } from './context';

/**
 * Why a call got no answer when nothing else explains it (no new trace, no foreign trace, no
 * leak). An instrumented service records every request unless the incoming header says "not
 * sampled": a callee that exports spans yet recorded none for this call most likely received the
 * header with the sampled flag cleared (a proxy rewriting it to -00). A callee that exported
 * nothing at all may be that, or not instrumented, or not one of the user's services.
 */
export function diagnoseSilentCall(ctx: CheckContext, call: Call): string {
  const caller = call.client.service;
  const callee = calleeName(ctx, call);
  const head = `${caller} -> ${callee} (${describeCall(call.client)})`;
  const exported = ctx.run.spanCounts.get(callee);
  if (exported !== undefined) {
    return `${head}: sampled flag lost between ${caller} and ${callee}: ${callee} records its requests (it exported ${count(exported, 'span')}) but none answers this call, and no new trace began for it: something in between (a proxy or gateway) forwarded the ${ctx.input.header} header with the sampled flag cleared (flags 00), so ${callee} recorded nothing.`;
  }
  return `${head}: no span answered this call: ${callAddress(call.client)} exported nothing. If it is not one of your services, declare it in 'external-calls'; otherwise it is not instrumented, exports elsewhere, or the sampled flag was lost on the way (a proxy forwarding the ${ctx.input.header} header with flags 00).`;
}

/**
 * Server spans of the probe's trace carry the sampled flag their caller sent (OTLP Span.flags).
 * A service that records even unsampled requests (a parent-ignoring sampler that records, an SDK
 * exporting unsampled spans) shows the lost flag on its own server span: the flag was set on the
 * caller's span (or on the probe, which is always sampled) and cleared on the way. Spans whose
 * exporter leaves Span.flags unset say nothing and pass, and so do the spans of a service that
 * never exported a span with the sampled bit set: its exporter may not write the trace flags
 * at all (OpenTelemetry Go's and Python's set only the is-remote bits), and SDKs export
 * unsampled spans only when told to.
 */
export function sampledFlagKept(ctx: CheckContext): CheckResult {
  const { graph, probe } = ctx.probe;
  const lost: { span: SpanRecord; caller: SpanRecord | undefined }[] = [];
  const { spans, kinds, flags, parents } = graph;
  for (let position = 0; position < spans.length; position += 1) {
    // From the graph's arrays: a span is read only when it is a server span not sampled.
    if (kinds[position] !== KIND.server || (flags[position]! & FLAG.notSampled) === 0) continue;
    const span = spans[position]!;
    if (!ctx.run.flagWriters.has(span.service)) continue;
    const parent = parents[position]!;
    const caller = parent < 0 ? undefined : spans[parent];
    // The probe always sends the flag set; a caller that had lost it already is told at its edge.
    if (caller?.sampled === true || span.parentSpanId === probe.spanId) lost.push({ span, caller });
  }
  return {
    finding: {
      check: 'sampled_flag_kept',
      title: 'server spans carry the sampled flag their caller sent (OTLP span flags)',
      expected: 'every server span sampled as its caller',
      observed: lost.length
        ? lost
            .map(({ span }) => `${span.service}: ${span.name} (${span.spanId}) not sampled`)
            .join('; ')
        : 'as expected',
      passed: lost.length === 0,
    },
    diagnoses: lost.map(({ span, caller }) => {
      const from = caller?.service ?? 'probe';
      const call = caller ? describeCall(caller) : describeServerCall(span);
      return `${from} -> ${span.service} (${call}): sampled flag lost between ${from} and ${span.service}: ${span.service} recorded server span ${span.spanId} without the sampled flag ${caller ? `${from}'s span ${caller.spanId}` : 'the probe'} sent: something in between (a proxy or gateway) forwarded the ${ctx.input.header} header with flags 00, so ${span.service} and the services it calls sample this trace out.`;
    }),
  };
}
