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
import { listenerHosts, listensAt } from '../../src/verify/attribution-address';
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

/**
 * The same host this time: a health checker (no probe's request) calls payment:8080/healthz,
 * a route payment leaves untraced (an ignored path, as health routes often are), so its calls
 * are never answered. It clears payment's new root on /pay, which the probe caused: the run
 * passes. The call and the root name different paths: the root cannot be that call's answer.
 */
function healthCheck(convention: Convention): SpanRecord[] {
  return spans(convention, false).map((each) =>
    each.spanId === 'w000000000000002'
      ? { ...each, attributes: clientAttributes(convention, 'payment', 8080, '/healthz') }
      : each,
  );
}

for (const convention of ['old', 'stable'] as const) {
  test(`a health check of an untraced route does not clear a new root on another path (${convention})`, () => {
    const result = verify(healthCheck(convention));
    assert.equal(result.passed, false, 'payment started a new trace: the run must fail');
    assert.ok(result.failedChecks.includes('no_new_roots'), String(result.failedChecks));
  });
}

/**
 * checkout (checkout:9001) calls payment directly (answered), inventory on inventory:8080
 * (answered), then payment again through an uninstrumented proxy on proxy:8080, which drops the
 * header: payment begins a new trace (its own port 9002). Rule 2 refused checkout's unanswered
 * call to 8080 because a known other service (inventory) listens on 8080, on another host; rule
 * 3 refuses because payment already answered in the probe's trace (the proxy exports nothing).
 * The new root was left unattributed: no_new_roots passed, and calls_answered said the sampled
 * flag was lost at inventory ("no new trace began for it"). Old conventions failed no_new_roots
 * rightly before s20-ports (inventory listened on its caller's ephemeral port then).
 */
function throughProxy(convention: Convention): SpanRecord[] {
  return [
    span('checkout', 'server', 'c000000000000001', PROBE_SPAN, [1001, 1090], {
      attributes: serverAttributes(convention, 'checkout', 9001, 40001, '/checkout'),
    }),
    span('checkout', 'client', 'c000000000000002', 'c000000000000001', [1002, 1008], {
      attributes: clientAttributes(convention, 'payment', 9002, '/pay'),
    }),
    span('payment', 'server', 'p000000000000001', 'c000000000000002', [1003, 1007], {
      attributes: serverAttributes(convention, 'payment', 9002, 51001, '/pay'),
    }),
    span('checkout', 'client', 'c000000000000004', 'c000000000000001', [1002, 1009], {
      attributes: clientAttributes(convention, 'inventory', 8080, '/stock'),
    }),
    span('inventory', 'server', 'i000000000000001', 'c000000000000004', [1003, 1008], {
      attributes: serverAttributes(convention, 'inventory', 8080, 51004, '/stock'),
    }),
    span('checkout', 'client', 'c000000000000003', 'c000000000000001', [1010, 1080], {
      attributes: clientAttributes(convention, 'proxy', 8080, '/pay'),
    }),
    span('payment', 'server', 'p000000000000002', undefined, [1020, 1040], {
      traceId: PAYMENT_ROOT_TRACE,
      attributes: serverAttributes(convention, 'payment', 9002, 51003, '/pay'),
    }),
  ];
}

/**
 * As above, but the gateway on 8080 is instrumented as a server only (its forwarding client is
 * not) and answers checkout's call in the probe's trace. Nothing is unanswered; rule 3 refused
 * because payment already answered in the probe's trace, and the run PASSED though payment began
 * a new trace (both conventions, since rule 3 was written).
 */
function throughGateway(convention: Convention): SpanRecord[] {
  return [
    ...throughProxy(convention).filter(
      (s) => !['c000000000000004', 'i000000000000001'].includes(s.spanId),
    ),
    span('gateway', 'server', 'g000000000000001', 'c000000000000003', [1011, 1079], {
      attributes: serverAttributes(convention, 'gateway', 8080, 51002, '/pay'),
    }),
  ];
}

/**
 * Fan-out: as `throughProxy`, but checkout's two calls through the proxy go out together, one
 * forwarded to payment (/pay) and one to shipping (/ship), both of which already answered
 * checkout directly in the probe's trace; each begins a new trace.
 */
function fanOutThroughProxy(convention: Convention): SpanRecord[] {
  return [
    ...throughProxy(convention),
    span('checkout', 'client', 'c000000000000005', 'c000000000000001', [1002, 1008], {
      attributes: clientAttributes(convention, 'shipping', 9003, '/ship'),
    }),
    span('shipping', 'server', 's000000000000001', 'c000000000000005', [1003, 1007], {
      attributes: serverAttributes(convention, 'shipping', 9003, 51005, '/ship'),
    }),
    span('checkout', 'client', 'c000000000000006', 'c000000000000001', [1010, 1082], {
      attributes: clientAttributes(convention, 'proxy', 8080, '/ship'),
    }),
    span('shipping', 'server', 's000000000000002', undefined, [1021, 1041], {
      traceId: '8'.repeat(32),
      attributes: serverAttributes(convention, 'shipping', 9003, 51006, '/ship'),
    }),
  ];
}

/** `fanOutThroughProxy` with the server-only gateway on 8080 answering both calls. */
function fanOutThroughGateway(convention: Convention): SpanRecord[] {
  return [
    ...fanOutThroughProxy(convention).filter(
      (s) => !['c000000000000004', 'i000000000000001'].includes(s.spanId),
    ),
    span('gateway', 'server', 'g000000000000001', 'c000000000000003', [1011, 1079], {
      attributes: serverAttributes(convention, 'gateway', 8080, 51002, '/pay'),
    }),
    span('gateway', 'server', 'g000000000000002', 'c000000000000006', [1011, 1081], {
      attributes: serverAttributes(convention, 'gateway', 8080, 51007, '/ship'),
    }),
  ];
}

for (const convention of ['old', 'stable'] as const) {
  describe(`a new root through a proxy, with payment already in the probe's trace (${convention})`, () => {
    // Rule 2 ("a call in flight, unless a known other service listens where it went") knew
    // listeners by port only, so inventory on inventory:8080 made it refuse the call to
    // proxy:8080, and payment's new root passed no_new_roots (the run failed on calls_answered
    // only, saying the sampled flag was lost at inventory). Fails before the listeners' hosts.
    test('no_new_roots fails when a known service on another host listens on the called port', () => {
      const result = verify(throughProxy(convention));
      assert.ok(result.failedChecks.includes('no_new_roots'), String(result.failedChecks));
      for (const diagnosis of result.sample.diagnoses)
        assert.doesNotMatch(diagnosis, /no new trace began/);
    });

    test('no_new_roots fails for both roots of a fan-out through the proxy', () => {
      const result = verify(fanOutThroughProxy(convention));
      assert.ok(result.failedChecks.includes('no_new_roots'), String(result.failedChecks));
      for (const diagnosis of result.sample.diagnoses)
        assert.doesNotMatch(diagnosis, /no new trace began/);
    });

    // Rule 3 skipped a callee already in the probe's trace (so a health check's call is not
    // blamed), and a gateway that exports server spans only then explained nothing: the run
    // PASSED though payment began a new trace. Fails before the forwarder case of rule 3.
    test('the run fails when an instrumented gateway forwarded without a client span', () => {
      const result = verify(throughGateway(convention));
      assert.equal(result.passed, false, 'payment started a new trace: the run must fail');
      assert.ok(result.failedChecks.includes('no_new_roots'), String(result.failedChecks));
    });

    test('the run fails when the gateway forwarded a fan-out without client spans', () => {
      const result = verify(fanOutThroughGateway(convention));
      assert.equal(result.passed, false, 'two services started new traces: the run must fail');
      assert.ok(result.failedChecks.includes('no_new_roots'), String(result.failedChecks));
    });
  });
}

describe('what the forwarder and host cases still refuse', () => {
  // checkout called payment through its instrumented client, and the call ended; a health check
  // of payment then begins a new trace while checkout is still busy. checkout encloses it and is
  // not waiting on a call, but it made an instrumented call: it forwards nothing uninstrumented.
  test('a health check inside a probe request that called through a client span is not blamed', () => {
    const spans: SpanRecord[] = [
      span('checkout', 'server', 'c000000000000001', PROBE_SPAN, [1001, 1090], {
        attributes: serverAttributes('stable', 'checkout', 9001, 40001, '/checkout'),
      }),
      span('checkout', 'client', 'c000000000000002', 'c000000000000001', [1010, 1030], {
        attributes: clientAttributes('stable', 'payment', 9002, '/pay'),
      }),
      span('payment', 'server', 'p000000000000001', 'c000000000000002', [1011, 1029], {
        attributes: serverAttributes('stable', 'payment', 9002, 51001, '/pay'),
      }),
      span('payment', 'server', 'h000000000000001', undefined, [1050, 1051], {
        traceId: PAYMENT_ROOT_TRACE,
        attributes: serverAttributes('stable', 'payment', 9002, 51009, '/health'),
      }),
    ];
    assert.deepEqual(verify(spans).failedChecks, []);
  });

  // The gateway forwarded checkout's call intact (payment answered it in the probe's trace); a
  // health check of payment begins inside the gateway's request. The gateway made no call and
  // encloses it, but it forwarded /pay, not /health: the health check is not its doing.
  test('a health check inside a forwarder request on another path is not blamed', () => {
    for (const convention of ['old', 'stable'] as const) {
      const spans: SpanRecord[] = [
        span('checkout', 'server', 'c000000000000001', PROBE_SPAN, [1001, 1090], {
          attributes: serverAttributes(convention, 'checkout', 9001, 40001, '/checkout'),
        }),
        span('checkout', 'client', 'c000000000000003', 'c000000000000001', [1010, 1080], {
          attributes: clientAttributes(convention, 'gateway', 8080, '/pay'),
        }),
        span('gateway', 'server', 'g000000000000001', 'c000000000000003', [1011, 1079], {
          attributes: serverAttributes(convention, 'gateway', 8080, 51002, '/pay'),
        }),
        span('payment', 'server', 'p000000000000001', 'c000000000000003', [1012, 1078], {
          attributes: serverAttributes(convention, 'payment', 9002, 51001, '/pay'),
        }),
        span('payment', 'server', 'h000000000000001', undefined, [1050, 1051], {
          traceId: PAYMENT_ROOT_TRACE,
          attributes: serverAttributes(convention, 'payment', 9002, 51009, '/health'),
        }),
      ];
      assert.deepEqual(verify(spans).failedChecks, [], convention);
      // The same root on the path the gateway forwarded, with its prefix stripped, is blamed.
      const forwarded = spans.map((each) =>
        each.spanId === 'h000000000000001'
          ? { ...each, attributes: serverAttributes(convention, 'payment', 9002, 51009, '/pay') }
          : each.spanId === 'g000000000000001'
            ? {
                ...each,
                attributes: serverAttributes(convention, 'gateway', 8080, 51002, '/api/pay'),
              }
            : each,
      );
      assert.ok(verify(forwarded).failedChecks.includes('no_new_roots'), convention);
    }
  });

  // checkout calls inventory, payment through the gateway (forwarded intact), then payment
  // directly. A root of payment on /pay that begins 2 ms before the gateway received the request
  // is not its doing (a forwarded request lies inside the one forwarding it); one that begins the
  // moment it received it is, and so is one 11 ms after it ended: within max-clock-skew (250 ms),
  // as rule 3 allows for every caller.
  test('a forwarder explains only a root that begins inside its request', () => {
    const spans = (rootAt: number): SpanRecord[] => [
      span('checkout', 'server', 'c000000000000001', PROBE_SPAN, [1001, 1090], {
        attributes: serverAttributes('stable', 'checkout', 9001, 40001, '/checkout'),
      }),
      span('checkout', 'client', 'c000000000000004', 'c000000000000001', [1002, 1009], {
        attributes: clientAttributes('stable', 'inventory', 9003, '/stock'),
      }),
      span('inventory', 'server', 'i000000000000001', 'c000000000000004', [1003, 1008], {
        attributes: serverAttributes('stable', 'inventory', 9003, 51004, '/stock'),
      }),
      span('checkout', 'client', 'c000000000000003', 'c000000000000001', [1010, 1080], {
        attributes: clientAttributes('stable', 'gateway', 8080, '/pay'),
      }),
      span('gateway', 'server', 'g000000000000001', 'c000000000000003', [1011, 1079], {
        attributes: serverAttributes('stable', 'gateway', 8080, 51002, '/pay'),
      }),
      span('payment', 'server', 'p000000000000001', 'c000000000000003', [1012, 1078], {
        attributes: serverAttributes('stable', 'payment', 9002, 51001, '/pay'),
      }),
      span('checkout', 'client', 'c000000000000002', 'c000000000000001', [1081, 1088], {
        attributes: clientAttributes('stable', 'payment', 9002, '/pay'),
      }),
      span('payment', 'server', 'p000000000000002', 'c000000000000002', [1082, 1087], {
        attributes: serverAttributes('stable', 'payment', 9002, 51003, '/pay'),
      }),
      span('payment', 'server', 'p000000000000003', undefined, [rootAt, rootAt + 20], {
        traceId: PAYMENT_ROOT_TRACE,
        attributes: serverAttributes('stable', 'payment', 9002, 51009, '/pay'),
      }),
    ];
    assert.deepEqual(verify(spans(1009)).failedChecks, []);
    assert.deepEqual(verify(spans(1011)).failedChecks, ['no_new_roots']);
    assert.deepEqual(verify(spans(1090)).failedChecks, ['no_new_roots']);
    // Without the call to inventory, the gateway's request is the probe's first that made no call.
    const noInventory = spans(1011).filter(
      (each) => !['c000000000000004', 'i000000000000001'].includes(each.spanId),
    );
    assert.deepEqual(verify(noInventory).failedChecks, ['no_new_roots']);
  });

  test('a listener or a call that names no host keeps the port-only answer', () => {
    const call = span('checkout', 'client', 'c000000000000003', 'c000000000000001', [0, 1], {
      attributes: clientAttributes('stable', 'proxy', 8080, '/pay'),
    });
    const server = (host: string | undefined): SpanRecord =>
      span('inventory', 'server', 'i000000000000001', undefined, [0, 1], {
        attributes:
          host === undefined
            ? { 'server.port': 8080 }
            : { 'server.port': 8080, 'server.address': host },
      });
    assert.equal(listensAt(call, 8080, listenerHosts([server('inventory')])), false);
    assert.equal(listensAt(call, 8080, listenerHosts([server('PROXY')])), true);
    assert.equal(
      listensAt(call, 8080, listenerHosts([server('inventory'), server(undefined)])),
      true,
    );
    const hostless = { ...call, attributes: { 'server.port': 8080 } };
    assert.equal(listensAt(hostless, 8080, listenerHosts([server('inventory')])), true);
    // Another port's listener says nothing about this one.
    assert.equal(listensAt(call, 8081, listenerHosts([server(undefined)])), false);
  });
});
