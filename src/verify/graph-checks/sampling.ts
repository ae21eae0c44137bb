import type { Call } from '../analysis';
import { callAddress } from '../destinations';
import { describeCall } from '../trace-graph';
import { calleeName, count, type CheckContext } from './context';

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
