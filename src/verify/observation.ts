import { selfTestGraphFindings } from './self-test-graph';
import { verifyTarget } from './target';
import type { TargetInput, TargetVerification } from './target-types';
import type { SpanRecord, Verification, VerifyInput } from './types';
import { verifyPropagation } from './header-checks/requests';

/**
 * What a mode observed, the one input of the verifier. Both modes give the spans they collected
 * (one `SpanRecord` each, whoever exported them) and the probes they sent with the context each
 * carried. The self-test also gives header evidence (what each callee received, what each built-in
 * service said of its own server span): only there do the header checks run.
 */
interface ObservationBase {
  /** Every span collected, from every service, whatever its trace. */
  spans: readonly SpanRecord[];
}

/**
 * The built-in chain: each request (a probe, with the context it carried in `incoming`) with the
 * headers every callee received and what the services reported of themselves.
 */
export interface SelfTestObservation extends ObservationBase, Omit<VerifyInput, 'spans'> {
  mode: 'self-test';
}

/** The user's services: the probes sent to the target, and what the receiver stored. */
export interface TargetObservation extends ObservationBase, Omit<TargetInput, 'spans'> {
  mode: 'target';
}

export type Observation = SelfTestObservation | TargetObservation;

/**
 * The verifier's one entry: an observation in, the verdict with its findings out. Header checks
 * (today's hop checks: headers valid, same trace, parent matches the header) run where header
 * evidence exists; the trace-graph checks of `graph-checks/` run on the probes' traces: all of
 * them in target mode, those that judge the request's trace as a whole (calls answered, one
 * root, foreign traces, parents, isolation, the entry when the probe sent a context) in the
 * self-test (see self-test-graph.ts).
 */
export function verify(observation: SelfTestObservation): Verification;
export function verify(observation: TargetObservation): TargetVerification;
export function verify(observation: Observation): Verification | TargetVerification {
  if (observation.mode === 'target') return verifyTarget(observation);
  return verifyPropagation({ ...observation, graphFindings: selfTestGraphFindings(observation) });
}
