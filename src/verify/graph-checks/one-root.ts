import type { Attribution } from '../attribution';
import { describeCall, describeServerCall, spanPort } from '../trace-graph';
import type { CheckContext, CheckResult } from './context';

/**
 * One root: no service started a new trace for the probe's work. Each new root attributed to
 * this probe is a break, diagnosed by its cause (see attribution.ts).
 */
export function noNewRoots(ctx: CheckContext): CheckResult {
  const roots = ctx.probe.breaks.filter((b) => b.kind === 'new-root');
  const diagnoses: string[] = [];
  for (const root of roots) {
    const diagnosis = diagnoseNewRoot(root, ctx.input.header);
    if (diagnosis !== undefined) diagnoses.push(diagnosis);
  }
  return {
    finding: {
      check: 'no_new_roots',
      title: 'no service started a new trace during the probe',
      expected: '0 new roots',
      observed: roots.length
        ? roots
            .map(
              (b) =>
                `${b.span.service}: ${b.span.name} (${b.span.spanId}) in trace ${b.span.traceId}`,
            )
            .join('; ')
        : '0 new roots',
      passed: roots.length === 0,
    },
    diagnoses,
  };
}

/** Says where a new root came from, as the user reads it; the entry's is entry_joined's. */
function diagnoseNewRoot(root: Attribution, header: string): string | undefined {
  const { span, cause } = root;
  switch (cause.kind) {
    case 'call': {
      const client = cause.call.client;
      const [calledPort, rootPort] = [spanPort(client), spanPort(span)];
      const proxy =
        calledPort !== undefined && rootPort !== undefined && calledPort !== rootPort
          ? ` The call went to port ${calledPort} and ${span.service} listens on ${rootPort}: something in between (a proxy or gateway) handled it and may have dropped the header.`
          : '';
      const first =
        span.kind === 'server'
          ? ''
          : ` Its first span is ${span.kind} (${span.name}): its HTTP server is not instrumented, or it began the work outside the request's context.`;
      return `${client.service} -> ${span.service} (${describeCall(client)}): ${span.service} started a new trace; the ${header} header did not arrive or was not extracted.${proxy}${first}`;
    }
    case 'caller':
      return `${cause.caller.service} -> ${span.service} (${describeServerCall(span)}): ${span.service} started a new trace, and ${cause.caller.service} exported no client span for the call: its HTTP client is not instrumented (global fetch needs @opentelemetry/instrumentation-undici).`;
    case 'local': {
      const when = span.startTimeMs > cause.server.endTimeMs ? 'after answering' : 'while serving';
      return `${span.service} (${describeCall(span)}): ${span.service} began this ${span.kind} span in a new trace ${when} the probe's request: the work ran outside the request's context (deferred work must carry it, e.g. with context.bind), so what it called is not in the probe's trace.`;
    }
    case 'entry':
      return undefined;
  }
}
