import { describeServerCall } from '../trace-graph';
import type { CheckContext, CheckResult } from './context';

/** The entry service's server span continues the probe's context: its parent is the probe. */
export function entryJoined(ctx: CheckContext): CheckResult {
  const { probe, entrySpans, graph, breaks } = ctx.probe;
  const passed = entrySpans.length > 0;
  const diagnoses: string[] = [];
  if (!passed && probe.status !== undefined) {
    const orphan = breaks.find((b) => b.cause.kind === 'entry');
    const why =
      ctx.input.probeSentContext === false
        ? 'the probe sent no trace context (no trace-context propagator configured), so nothing could be extracted'
        : orphan?.kind === 'foreign'
          ? `the ${ctx.input.header} header it received was not the probe's: something in front of it (a proxy or gateway) replaced it with a context of its own`
          : `the ${ctx.input.header} header the probe sent was not extracted`;
    diagnoses.push(
      orphan
        ? `probe -> ${orphan.span.service} (${describeServerCall(orphan.span)}): ${orphan.span.service} ${orphan.kind === 'foreign' ? `continued trace ${orphan.span.traceId}, which no service exported` : 'started a new trace'}; ${why}.`
        : `probe -> target: no span joined the probe's trace; the entry service exported nothing for the probe, or did not extract the ${ctx.input.header} header.`,
    );
  }
  return {
    finding: {
      check: 'entry_joined',
      title: `the entry service joined the probe's trace as a child of the probe span`,
      expected: `a server span in trace ${probe.traceId} with parent ${probe.spanId}`,
      observed: passed
        ? entrySpans.map((s) => `${s.service}: ${s.name} (${s.spanId})`).join('; ')
        : graph.spans.length
          ? `${graph.spans.length} spans in the trace, none a server span whose parent is the probe`
          : "no span in the probe's trace",
      passed,
    },
    diagnoses,
  };
}
