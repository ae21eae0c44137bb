import { verifyTarget, type TargetInput, type TargetProbe } from '../../src/verify/target';
import type { SpanRecord } from '../../src/verify/types';

/** Hand-built target-mode spans: checkout (port 9001) calls payment (port 9002) for one probe. */

export const PROBE_TRACE = '11111111111111111111111111111111';
export const PROBE_SPAN = 'aaaaaaaaaaaaaaaa';
export const probe: TargetProbe = {
  index: 1,
  traceId: PROBE_TRACE,
  spanId: PROBE_SPAN,
  startMs: 1000,
  endMs: 1100,
  status: 200,
  error: undefined,
};

/** A second probe, 200 ms after `probe`, with a trace of its own. */
export const second: TargetProbe = {
  ...probe,
  index: 2,
  traceId: '9'.repeat(32),
  spanId: 'bbbbbbbbbbbbbbbb',
  startMs: 1200,
  endMs: 1300,
};

export function span(
  service: string,
  kind: SpanRecord['kind'],
  spanId: string,
  parentSpanId: string | undefined,
  window: [number, number],
  extra: Partial<SpanRecord> = {},
): SpanRecord {
  return {
    traceId: PROBE_TRACE,
    spanId,
    parentSpanId,
    parentIsRemote: kind === 'server' && parentSpanId !== undefined ? true : undefined,
    name: 'GET',
    kind,
    service,
    startTimeMs: window[0],
    endTimeMs: window[1],
    attributes: {},
    ...extra,
  };
}

/** Probe `index` of the attribution tests, sent at `startMs`, answered at `endMs`; its ids repeat its digit. */
export function probeAt(index: number, startMs: number, endMs: number): TargetProbe {
  return {
    ...probe,
    index,
    traceId: String(index).repeat(32),
    spanId: String(index).repeat(16),
    startMs,
    endMs,
  };
}

/** A probe answered 200 that was sent 1 ms before its entry span began and ended 1 ms after. */
export function probeAround(
  index: number,
  traceId: string,
  spanId: string,
  [from, to]: [number, number],
): TargetProbe {
  return {
    index,
    traceId,
    spanId,
    startMs: from - 1,
    endMs: to + 1,
    status: 200,
    error: undefined,
  };
}

/**
 * A sampled HTTP span in stable conventions, as a service on 127.0.0.1 reports it: a server span
 * names the port it listens on and the path it received, a client span the port and URL it called.
 */
export function httpSpan(
  traceId: string,
  spanId: string,
  parentSpanId: string | undefined,
  service: string,
  kind: 'server' | 'client',
  window: [number, number],
  port: number,
  path: string,
): SpanRecord {
  return span(service, kind, spanId, parentSpanId, window, {
    traceId,
    sampled: true,
    attributes: {
      'http.request.method': 'GET',
      'server.port': port,
      ...(kind === 'client'
        ? { 'url.full': `http://127.0.0.1:${port}${path}` }
        : { 'url.path': path }),
    },
  });
}

/** checkout -> payment, healthy: entry joined the probe, payment is a child of checkout's client. */
export function healthy(): SpanRecord[] {
  return [
    span('checkout', 'server', 'c000000000000001', PROBE_SPAN, [1001, 1090]),
    span('checkout', 'client', 'c000000000000002', 'c000000000000001', [1010, 1080], {
      attributes: {
        'http.request.method': 'POST',
        'url.full': 'http://127.0.0.1:9002/pay',
        'server.port': 9002,
      },
    }),
    span('payment', 'server', 'p000000000000001', 'c000000000000002', [1011, 1079], {
      attributes: { 'server.port': 9002, 'url.path': '/pay', 'http.request.method': 'POST' },
    }),
  ];
}

/** Target verification of `spans` for `probes` (the one probe by default), no services expected. */
export function verify(
  spans: SpanRecord[],
  extra: Partial<TargetInput> = {},
  probes: TargetProbe[] = [probe],
) {
  return verifyTarget({ probes, spans, expectServices: [], header: 'traceparent', ...extra });
}
