import { openCalls } from '../analysis';
import { describeCall } from '../trace-graph';
import {
  breakOfCall,
  calleeName,
  count,
  leakOfCall,
  type CheckContext,
  type CheckResult,
} from './context';
import { diagnoseSilentCall } from './sampling';

/**
 * Every call is answered: each client span of the probe's trace (or of a trace broken off it)
 * has a server span that names it as parent. Calls to destinations declared in `external-calls`
 * are listed as not verified and never fail. A call explained by a break is diagnosed where the
 * break is (no_new_roots, no_foreign_traces); the others here.
 */
export function callsAnswered(ctx: CheckContext): CheckResult {
  const open = openCalls(ctx.probe);
  const external = ctx.probe.calls.filter((call) => call.external);
  const diagnoses: string[] = [];
  for (const call of open) {
    if (breakOfCall(ctx, call) !== undefined) continue;
    const leak = leakOfCall(ctx, call);
    if (leak !== undefined) {
      const where =
        leak.host === undefined
          ? `trace ${leak.span.traceId}`
          : `probe ${ctx.run.probes[leak.host]!.probe.index}'s trace`;
      diagnoses.push(
        `${call.client.service} -> ${leak.span.service} (${describeCall(call.client)}): ${leak.span.service} answered this call in ${where}, not this probe's: it continued the context of another request (context leaked between requests).`,
      );
    } else diagnoses.push(diagnoseSilentCall(ctx, call));
  }
  const describe = (list: typeof open): string =>
    list
      .map((c) => `${c.client.service} -> ${calleeName(ctx, c)} (${describeCall(c.client)})`)
      .join('; ');
  const notVerified = external.length
    ? `; ${count(external.length, 'call')} to external-calls, not verified: ${describe(external)}`
    : '';
  return {
    finding: {
      check: 'calls_answered',
      title: "every call in the probe's trace is answered by a server span that names it as parent",
      expected: "0 unanswered calls (calls to 'external-calls' excepted)",
      observed: `${open.length ? `${count(open.length, 'unanswered call')}: ${describe(open)}` : '0 unanswered calls'}${notVerified}`,
      passed: open.length === 0,
    },
    diagnoses,
  };
}
