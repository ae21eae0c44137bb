import type { HopEvidence, ServiceReport } from '../../verify/types';

/** Header names a propagator may write; a service echoes those it received. */
export const PROPAGATION_HEADERS = [
  'traceparent',
  'tracestate',
  'baggage',
  'b3',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'uber-trace-id',
] as const;

/** The baggage entry the entry service sets for the last service to receive. */
export const BAGGAGE_KEY = 'propagation_check.probe';

/** What each embedded service answers: its own server span, and the next service's answer. */
export interface ServiceAnswer {
  service: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  received_headers: Record<string, string>;
  /** The baggage entry this service set before its call (the entry service only). */
  baggage_sent?: { key: string; value: string };
  /** The request this service made to the next one, e.g. `GET http://127.0.0.1:4000/work`. */
  downstream_request?: string;
  downstream_port?: number;
  downstream?: ServiceAnswer;
}

/** Walks a chain of answers into one piece of evidence per hop. */
export function hopsFromAnswer(entry: ServiceAnswer): HopEvidence[] {
  const hops: HopEvidence[] = [];
  for (let caller = entry; caller.downstream !== undefined; caller = caller.downstream) {
    const callee = caller.downstream;
    hops.push({
      caller: caller.service,
      callee: callee.service,
      request: caller.downstream_request ?? '',
      calleePort: caller.downstream_port ?? 0,
      headers: callee.received_headers,
      callerReport: reportOf(caller),
      calleeReport: reportOf(callee),
    });
  }
  return hops;
}

function reportOf(answer: ServiceAnswer): ServiceReport {
  return {
    service: answer.service,
    traceId: answer.trace_id,
    spanId: answer.span_id,
    parentSpanId: answer.parent_span_id ?? undefined,
  };
}
