import { TRACE_FORMATS, type TraceFormatName } from '../../src/verify/formats/context-headers';
import type {
  HopEvidence,
  RequestEvidence,
  SpanKindName,
  SpanRecord,
  VerifyInput,
} from '../../src/verify/types';

export const TRACE_A = '4bf92f3577b34da6a3ce929d0e0e4736';
export const TRACE_B = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
export const A_SERVER = '1111111111111111';
export const A_CLIENT = '2222222222222222';
export const B_SERVER = '3333333333333333';
export const B_PORT = 4002;

export function span(
  service: string,
  kind: SpanKindName,
  spanId: string,
  parentSpanId: string | undefined,
  traceId = TRACE_A,
  attributes: SpanRecord['attributes'] = {},
): SpanRecord {
  return {
    traceId,
    spanId,
    parentSpanId,
    parentIsRemote: undefined,
    name: kind === 'client' ? 'GET' : `GET /${service}`,
    kind,
    service,
    startTimeMs: 0,
    endTimeMs: 1,
    attributes,
  };
}

/** A healthy hop A -> B: spans, the header B received and what each service reported. */
export function healthyHop(): { spans: SpanRecord[]; hop: HopEvidence } {
  return {
    spans: [
      span('service-a', 'server', A_SERVER, undefined),
      span('service-a', 'client', A_CLIENT, A_SERVER, TRACE_A, { 'server.port': B_PORT }),
      span('service-b', 'server', B_SERVER, A_CLIENT),
    ],
    hop: {
      caller: 'service-a',
      callee: 'service-b',
      request: `GET http://127.0.0.1:${B_PORT}/work`,
      calleePort: B_PORT,
      headers: { traceparent: `00-${TRACE_A}-${A_CLIENT}-01` },
      callerReport: {
        service: 'service-a',
        traceId: TRACE_A,
        spanId: A_SERVER,
        parentSpanId: undefined,
      },
      calleeReport: {
        service: 'service-b',
        traceId: TRACE_A,
        spanId: B_SERVER,
        parentSpanId: A_CLIENT,
      },
    },
  };
}

/** The same hop when B did not continue the context: B's server span roots a new trace. */
export function brokenHop(headers: Record<string, string> = {}): {
  spans: SpanRecord[];
  hop: HopEvidence;
} {
  const { spans, hop } = healthyHop();
  return {
    spans: [spans[0]!, spans[1]!, span('service-b', 'server', B_SERVER, undefined, TRACE_B)],
    hop: {
      ...hop,
      headers,
      calleeReport: {
        service: 'service-b',
        traceId: TRACE_B,
        spanId: B_SERVER,
        parentSpanId: undefined,
      },
    },
  };
}

/** One request of the given hops, ready to verify. */
export function request(hop: HopEvidence, extra: Partial<RequestEvidence> = {}): RequestEvidence {
  return { index: 1, hops: [hop], baggage: undefined, incoming: undefined, ...extra };
}

export function input(
  requests: RequestEvidence[],
  spans: SpanRecord[],
  formats: TraceFormatName[] = ['tracecontext'],
  propagatorConfigured = true,
): VerifyInput {
  return {
    services: ['service-a', 'service-b'],
    requests,
    spans,
    formats: formats.map((name) => TRACE_FORMATS[name]),
    propagatorConfigured,
  };
}
