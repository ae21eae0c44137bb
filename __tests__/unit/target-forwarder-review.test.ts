// Review of s21-gateway (rule 3's forwarders). A callee already in a probe's trace is now
// explained by a probe request that "made no instrumented call": `clientsUnder` reads only the
// client spans whose parent IS the server span. Real stacks put spans in between: with
// OpenTelemetry JS's Koa (or Express) instrumentation every client span's parent is a middleware
// or router span, so checkout, which called payment through its instrumented client, reads as a
// forwarder. A health check of payment during checkout's request then fails a healthy run when
// its path is checkout's or ends it (`/` inside a probe of `/` or of `/shop/`), or when it names
// no path (a gRPC health check). These runs passed on 1b87721 (a callee already in the trace was
// never blamed). `koa-forwarder.test.ts` (target/) shows the same with real instrumented services.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SpanRecord } from '../../src/verify/types';
import { PROBE_SPAN, span, verify } from '../helpers/target-spans';

const HEALTH_TRACE = '2'.repeat(32);

function server(host: string, port: number, path: string): SpanRecord['attributes'] {
  return {
    'http.request.method': 'GET',
    'url.path': path,
    'server.address': host,
    'server.port': port,
  };
}

function client(host: string, port: number, path: string): SpanRecord['attributes'] {
  return {
    'http.request.method': 'GET',
    'url.full': `http://${host}:${port}${path}`,
    'server.address': host,
    'server.port': port,
  };
}

/** The probe's entry: checkout's server span on `path`, child of the probe. */
function checkoutEntry(path: string): SpanRecord {
  return span('checkout', 'server', 'c000000000000001', PROBE_SPAN, [1001, 1090], {
    attributes: server('checkout', 8080, path),
  });
}

/**
 * checkout's call `id` (a client span under its entry, over `window`) and `callee`'s answer, one
 * millisecond inside it, both naming `attributes` (HTTP by host, port and path, or gRPC).
 */
function answered(
  id: number,
  callee: string,
  window: [number, number],
  attributes: [client: SpanRecord['attributes'], server: SpanRecord['attributes']],
): SpanRecord[] {
  const clientId = `c00000000000000${id}`;
  return [
    span('checkout', 'client', clientId, 'c000000000000001', window, {
      attributes: attributes[0],
    }),
    span(
      callee,
      'server',
      `${callee[0]}00000000000000${id}`,
      clientId,
      [window[0] + 1, window[1] - 1],
      {
        attributes: attributes[1],
      },
    ),
  ];
}

/** The HTTP attributes of a call to `host:port` `path` and of its answer. */
function http(
  host: string,
  port: number,
  path: string,
): [SpanRecord['attributes'], SpanRecord['attributes']] {
  return [client(host, port, path), server(host, port, path)];
}

/**
 * A healthy probe of checkout (`entryPath`), a Koa service: its server span, a middleware span
 * under it, its client span under that calling payment's `/pay`, payment answering in the trace.
 * `health` is a request no probe sent: a new root of payment at 1030 to 1032, inside checkout's
 * request (1001 to 1090) and inside payment's answer to it.
 */
function koaCheckout(entryPath: string, health: SpanRecord['attributes']): SpanRecord[] {
  return [
    span('checkout', 'server', 'c000000000000001', PROBE_SPAN, [1001, 1090], {
      attributes: server('checkout', 8080, entryPath),
    }),
    span('checkout', 'internal', 'c00000000000000a', 'c000000000000001', [1002, 1089], {
      name: 'middleware - handler',
      attributes: { 'koa.type': 'middleware', 'koa.name': 'handler' },
    }),
    span('checkout', 'client', 'c000000000000002', 'c00000000000000a', [1010, 1080], {
      attributes: client('payment', 9002, '/pay'),
    }),
    span('payment', 'server', 'p000000000000001', 'c000000000000002', [1011, 1079], {
      attributes: server('payment', 9002, '/pay'),
    }),
    span('payment', 'server', 'h000000000000001', undefined, [1030, 1032], {
      traceId: HEALTH_TRACE,
      attributes: health,
    }),
  ];
}

describe('rule 3 forwarders: an instrumented caller with spans between server and client', () => {
  test('a health check of payment on / during a probe of / is not blamed on checkout', () => {
    const result = verify(koaCheckout('/', server('payment', 9002, '/')));
    assert.deepEqual(result.failedChecks, [], JSON.stringify(result.sample.diagnoses));
  });

  test('a health check on / during a probe of a path with a trailing slash is not blamed', () => {
    const result = verify(koaCheckout('/shop/', server('payment', 9002, '/')));
    assert.deepEqual(result.failedChecks, [], JSON.stringify(result.sample.diagnoses));
  });

  test('a health check that names no path (gRPC) is not blamed on checkout', () => {
    const grpcHealth = {
      'rpc.system': 'grpc',
      'rpc.service': 'grpc.health.v1.Health',
      'rpc.method': 'Check',
      'server.address': 'payment',
      'server.port': 9002,
    };
    const result = verify(koaCheckout('/checkout', grpcHealth));
    assert.deepEqual(result.failedChecks, [], JSON.stringify(result.sample.diagnoses));
  });

  test('without the middleware span the same runs pass (the shape is what changes it)', () => {
    for (const [entryPath, path] of [
      ['/', '/'],
      ['/shop/', '/'],
    ] as const) {
      const spans = koaCheckout(entryPath, server('payment', 9002, path)).filter(
        (each) => each.kind !== 'internal',
      );
      spans[1] = { ...spans[1]!, parentSpanId: 'c000000000000001' };
      assert.deepEqual(verify(spans).failedChecks, [], `${entryPath} ${path}`);
    }
  });
});

describe('rule 3 forwarders: leaves and gateways that forwarded intact', () => {
  // No intermediate span: checkout calls payment (HTTP) and inventory (gRPC, instrumented on both
  // sides). payment's /pay is a leaf (it makes no call): a forwarder by `forwardersOf`. A gRPC
  // health check of inventory (no url.path) during it is blamed on payment: forwardedPath holds
  // any path when the callee names none.
  test('a gRPC health check of a service in the trace, during a leaf request, is not blamed', () => {
    const reserve = {
      'rpc.system': 'grpc',
      'rpc.service': 'shop.Inventory',
      'rpc.method': 'Reserve',
      'server.address': 'inventory',
      'server.port': 50051,
    };
    const spans: SpanRecord[] = [
      checkoutEntry('/checkout'),
      ...answered(2, 'inventory', [1005, 1015], [reserve, reserve]),
      ...answered(3, 'payment', [1020, 1080], http('payment', 9002, '/pay')),
      span('inventory', 'server', 'h000000000000001', undefined, [1040, 1041], {
        traceId: HEALTH_TRACE,
        attributes: { ...reserve, 'rpc.service': 'grpc.health.v1.Health', 'rpc.method': 'Check' },
      }),
    ];
    const result = verify(spans);
    assert.deepEqual(result.failedChecks, [], JSON.stringify(result.sample.diagnoses));
  });

  // payment's /pay/ is a leaf (it makes no call), and its path ends with '/': a health check of
  // inventory (already in the trace) on '/' during it is no request payment forwarded. A bare
  // '/' names no route, so it is never taken as the end of a longer path.
  test('a health check on / during a leaf request whose path ends with / is not blamed', () => {
    const spans: SpanRecord[] = [
      checkoutEntry('/checkout'),
      ...answered(2, 'inventory', [1005, 1015], http('inventory', 8081, '/stock')),
      ...answered(3, 'payment', [1020, 1080], http('payment', 9002, '/pay/')),
      span('inventory', 'server', 'h000000000000001', undefined, [1040, 1041], {
        traceId: HEALTH_TRACE,
        attributes: server('inventory', 8081, '/'),
      }),
    ];
    const result = verify(spans);
    assert.deepEqual(result.failedChecks, [], JSON.stringify(result.sample.diagnoses));
  });

  // A server-only gateway in front (the probe's target), forwarding the header intact: the
  // gateway's span and frontend's are both children of the probe. Frontend calls payment. A health
  // check of payment on / during the probe of / is blamed on the gateway, though what the gateway
  // forwarded is in the trace (frontend's server span, its sibling). A design decision: refusing a
  // forwarder whose caller another server span answered fixes it, but then a gateway that forwarded
  // intact and also caused a root on its path (the s21-gateway tests' own shape) passes, and in
  // random worlds (3,000 seeds, 1,548 that should fail) it passed 18 more of those.
  test(
    'a health check on / is not blamed on a gateway whose forwarded request is in the trace',
    { todo: 'refusing a forwarder that forwarded intact loses real catches' },
    () => {
      const spans: SpanRecord[] = [
        span('gateway', 'server', 'g000000000000001', PROBE_SPAN, [1001, 1095], {
          attributes: server('gateway', 80, '/'),
        }),
        span('frontend', 'server', 'f000000000000001', PROBE_SPAN, [1003, 1090], {
          attributes: server('frontend', 8080, '/'),
        }),
        span('frontend', 'client', 'f000000000000002', 'f000000000000001', [1010, 1080], {
          attributes: client('payment', 9002, '/pay'),
        }),
        span('payment', 'server', 'p000000000000001', 'f000000000000002', [1011, 1079], {
          attributes: server('payment', 9002, '/pay'),
        }),
        span('payment', 'server', 'h000000000000001', undefined, [1030, 1032], {
          traceId: HEALTH_TRACE,
          attributes: server('payment', 9002, '/'),
        }),
      ];
      const result = verify(spans);
      assert.deepEqual(result.failedChecks, [], JSON.stringify(result.sample.diagnoses));
    },
  );
});

describe('rule 3 forwarders: a gateway that adds a path prefix', () => {
  // checkout calls payment directly, then through a server-only gateway that ADDS a prefix
  // (nginx `proxy_pass http://payment/v1/;`, Traefik's addPrefix) and drops the header: payment's
  // new root on /v1/pay is the probe's doing, but the gateway received /pay, which does not end
  // with /v1/pay. Passed on 1b87721 too (not a regression). The forwarded path ending with the
  // received one (a prefix added) is as much evidence as the reverse (a prefix stripped).
  test('a root behind a gateway that added a path prefix is blamed', () => {
    const spans: SpanRecord[] = [
      checkoutEntry('/checkout'),
      ...answered(2, 'payment', [1005, 1015], http('payment', 9002, '/v1/pay')),
      ...answered(3, 'gateway', [1020, 1080], http('gateway', 8081, '/pay')),
      span('payment', 'server', 'p000000000000009', undefined, [1022, 1078], {
        traceId: '3'.repeat(32),
        attributes: server('payment', 9002, '/v1/pay'),
      }),
    ];
    assert.ok(verify(spans).failedChecks.includes('no_new_roots'));
  });
});
