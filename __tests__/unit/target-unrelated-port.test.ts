// Review of s20-ports (rule 0 and ports named by many hosts). Rule 0 clears a new root as "not
// the probes' doing" when a call of a request no probe sent, to the port the new root listens on,
// was in flight and unanswered. Ports alone name no address: in Compose or Kubernetes every
// service may listen on 8080, each on its own host. A background worker's calls to an
// uninstrumented cache on cache:8080 (never answered by any span) then clear payment's new root
// on payment:8080, which the probe caused: the run PASSES with the context really lost.
//
// Before s20-ports, an old-convention server span's port was its caller's ephemeral
// net.peer.port, so rule 0 never matched it and the run rightly FAILED (rule 3 blamed checkout's
// uninstrumented client). Since s20-ports it reads net.host.port, the port it listens on, as
// stable-convention spans already did with server.port: both conventions now pass wrongly.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SpanRecord } from '../../src/verify/types';
import { PROBE_SPAN, span, verify } from '../helpers/target-spans';

type Convention = 'old' | 'stable';

/** A server span listening on `port` of host `host`, called from `callerPort`. */
function serverAttributes(
  convention: Convention,
  host: string,
  port: number,
  callerPort: number,
  path: string,
): SpanRecord['attributes'] {
  return convention === 'old'
    ? {
        'http.method': 'POST',
        'http.target': path,
        'net.host.name': host,
        'net.host.port': port,
        'net.peer.ip': '10.0.0.9',
        'net.peer.port': callerPort,
      }
    : {
        'http.request.method': 'POST',
        'url.path': path,
        'server.address': host,
        'server.port': port,
        'client.port': callerPort,
      };
}

/** A client span that called `host:port`. */
function clientAttributes(
  convention: Convention,
  host: string,
  port: number,
  path: string,
): SpanRecord['attributes'] {
  const url = `http://${host}:${port}${path}`;
  return convention === 'old'
    ? { 'http.method': 'POST', 'http.url': url, 'net.peer.name': host, 'net.peer.port': port }
    : {
        'http.request.method': 'POST',
        'url.full': url,
        'server.address': host,
        'server.port': port,
      };
}

const WORKER_TRACE = '5'.repeat(32);
const PAYMENT_ROOT_TRACE = '7'.repeat(32);

/**
 * The probe enters checkout (checkout:8080); checkout calls payment:8080, which extracts nothing
 * and begins a new trace at [1020, 1040]. With `checkoutClient`, checkout's client span for that
 * call is exported; without it, its HTTP client is not instrumented. Meanwhile a worker (no
 * probe's request) calls an uninstrumented cache on cache:8080 during [1005, 1060].
 */
function spans(convention: Convention, checkoutClient: boolean): SpanRecord[] {
  return [
    span('checkout', 'server', 'c000000000000001', PROBE_SPAN, [1001, 1090], {
      attributes: serverAttributes(convention, 'checkout', 8080, 40001, '/checkout'),
    }),
    ...(checkoutClient
      ? [
          span('checkout', 'client', 'c000000000000002', 'c000000000000001', [1010, 1080], {
            attributes: clientAttributes(convention, 'payment', 8080, '/pay'),
          }),
        ]
      : []),
    span('worker', 'internal', 'w000000000000001', undefined, [1000, 1100], {
      traceId: WORKER_TRACE,
    }),
    span('worker', 'client', 'w000000000000002', 'w000000000000001', [1005, 1060], {
      traceId: WORKER_TRACE,
      attributes: clientAttributes(convention, 'cache', 8080, '/get'),
    }),
    span('payment', 'server', 'p000000000000001', undefined, [1020, 1040], {
      traceId: PAYMENT_ROOT_TRACE,
      attributes: serverAttributes(convention, 'payment', 8080, 51003, '/pay'),
    }),
  ];
}

for (const convention of ['old', 'stable'] as const) {
  describe(`rule 0 and a port many hosts listen on (${convention} conventions)`, () => {
    test('a new root the probe caused is not cleared by a call to another host on its port', () => {
      const result = verify(spans(convention, false));
      assert.equal(result.passed, false, 'payment started a new trace: the run must fail');
      assert.ok(result.failedChecks.includes('no_new_roots'), String(result.failedChecks));
    });

    test('no_new_roots fails, and no diagnosis says no new trace began', () => {
      const result = verify(spans(convention, true));
      assert.ok(result.failedChecks.includes('no_new_roots'), String(result.failedChecks));
      for (const diagnosis of result.sample.diagnoses)
        assert.doesNotMatch(diagnosis, /no new trace began/);
    });
  });
}
