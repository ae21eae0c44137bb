import { describeCall, describeServerCall } from '../trace-graph';
import type { CheckContext, CheckResult } from './context';

/**
 * No foreign traces: a server span of a service of the run, whose parent is in no exported trace,
 * received a context that no service of the run created. A proxy or gateway that injects its
 * own traceparent (nginx's OpenTelemetry module in inject mode) leaves exactly this: the caller's
 * client span unanswered, the callee's span a child of a span nobody exported.
 */
export function noForeignTraces(ctx: CheckContext): CheckResult {
  const foreign = ctx.probe.breaks.filter((b) => b.kind === 'foreign');
  const diagnoses: string[] = [];
  for (const { span, cause } of foreign) {
    const continued = `${span.service} continued trace ${span.traceId} (parent ${span.parentSpanId}), which no service exported`;
    if (cause.kind === 'call') {
      const client = cause.call.client;
      diagnoses.push(
        `${client.service} -> ${span.service} (${describeCall(client)}): ${continued}: something between ${client.service} and ${span.service} (a proxy or gateway) replaced the ${ctx.input.header} header with a context of its own.`,
      );
    } else if (cause.kind === 'caller') {
      diagnoses.push(
        `${cause.caller.service} -> ${span.service} (${describeServerCall(span)}): ${continued}, and ${cause.caller.service} exported no client span for the call: an uninstrumented client or a proxy in between sent a context of its own.`,
      );
    }
  }
  return {
    finding: {
      check: 'no_foreign_traces',
      title:
        'no service continued a trace that no service exported (a context injected in between)',
      expected: '0 foreign traces',
      observed: foreign.length
        ? foreign
            .map(
              (b) =>
                `${b.span.service}: ${b.span.name} (${b.span.spanId}) in trace ${b.span.traceId}`,
            )
            .join('; ')
        : '0 foreign traces',
      passed: foreign.length === 0,
    },
    diagnoses,
  };
}
