// Ports under the old HTTP semantic conventions (OpenTelemetry JS instrumentation-http before its
// stable-semconv switch, older Python and Java instrumentations): a server span carries
// `net.host.port`, the port it listens on, AND `net.peer.port`, its caller's ephemeral port; a
// client span carries `net.peer.port`, the port it called. The verifier must read a server
// span's own port, never its caller's: listeners, attribution, diagnoses and leaks depend on it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeRun } from '../../src/verify/analysis';
import { listenersOf } from '../../src/verify/destinations';
import type { SpanRecord } from '../../src/verify/types';
import { PROBE_SPAN, probe, second, span, verify } from '../helpers/target-spans';

/** A server span as old exporters send it: its own port, and its caller's ephemeral one. */
function oldServer(port: number, callerPort: number, path: string): SpanRecord['attributes'] {
  return {
    'http.method': 'POST',
    'http.target': path,
    'net.host.name': 'localhost',
    'net.host.port': port,
    'net.peer.ip': '127.0.0.1',
    'net.peer.port': callerPort,
  };
}

/** A client span as old exporters send it: the URL and the port it called. */
function oldClient(port: number, path: string): SpanRecord['attributes'] {
  return {
    'http.method': 'POST',
    'http.url': `http://127.0.0.1:${port}${path}`,
    'net.peer.name': '127.0.0.1',
    'net.peer.port': port,
  };
}

/** checkout (9001) calls payment (9002) at [1010, 1080] and inventory (9003) at [1012, 1070]. */
function checkout(): SpanRecord[] {
  return [
    span('checkout', 'server', 'c000000000000001', PROBE_SPAN, [1001, 1090], {
      attributes: oldServer(9001, 40001, '/checkout'),
    }),
    span('checkout', 'client', 'c000000000000002', 'c000000000000001', [1010, 1080], {
      attributes: oldClient(9002, '/pay'),
    }),
    span('checkout', 'client', 'c000000000000003', 'c000000000000001', [1012, 1070], {
      attributes: oldClient(9003, '/stock'),
    }),
  ];
}

/** inventory answered its call, in the probe's trace. */
const inventory = (): SpanRecord =>
  span('inventory', 'server', 'i000000000000001', 'c000000000000003', [1013, 1069], {
    attributes: oldServer(9003, 51003, '/stock'),
  });

/** payment began a new trace when called (the header did not arrive), at `start`. */
const paymentRoot = (start: number): SpanRecord =>
  span('payment', 'server', 'p000000000000001', undefined, [start, start + 20], {
    traceId: '7'.repeat(32),
    attributes: oldServer(9002, 51002, '/pay'),
  });

describe('old HTTP conventions: a server span listens on net.host.port, not net.peer.port', () => {
  test('listeners: each service on the port it listens on, not its callers’ ephemeral ports', () => {
    const { listeners } = listenersOf([...checkout(), inventory(), paymentRoot(1014)]);
    assert.deepEqual(
      [...listeners].map(([port, services]) => [port, [...services]]),
      [
        [9001, ['checkout']],
        [9003, ['inventory']],
        [9002, ['payment']],
      ],
    );
  });

  test('rule 1: the new root is blamed on the call to its address, not the closest call', () => {
    // inventory is not instrumented (nobody known listens on 9003), and checkout's unanswered
    // call to it began closer to payment's root than the call to 9002.
    const spans = [...checkout(), paymentRoot(1012)];
    const breaks = analyzeRun({
      probes: [probe],
      spans,
      expectServices: [],
      header: 'traceparent',
      maxClockSkewMs: 50,
    }).probes[0]!.breaks.map((b) =>
      b.cause.kind === 'call' ? `${b.cause.rule} ${b.cause.call.client.spanId}` : b.cause.kind,
    );
    assert.deepEqual(breaks, ['call-to-its-address c000000000000002']);
    const diagnoses = verify(spans).sample.diagnoses.filter((d) => d.includes('new trace'));
    assert.deepEqual(diagnoses, [
      'checkout -> payment (POST http://127.0.0.1:9002/pay): payment started a new trace; the traceparent header did not arrive or was not extracted.',
    ]);
  });

  test('no proxy is blamed when the call went to the port the new root listens on', () => {
    const diagnoses = verify([...checkout(), inventory(), paymentRoot(1030)]).sample.diagnoses;
    assert.equal(diagnoses.length, 1);
    assert.doesNotMatch(diagnoses[0]!, /proxy|something in between/);
  });

  test('a proxy is still blamed when the call went elsewhere than the root listens', () => {
    const root = paymentRoot(1030);
    root.attributes = oldServer(9402, 51002, '/pay');
    // No call to 9402 (nobody else listens on 9002): rule 2 takes the call to 9002.
    const diagnoses = verify([...checkout(), inventory(), root]).sample.diagnoses;
    assert.match(
      diagnoses[0]!,
      /The call went to port 9002 and payment listens on 9402: something in between/,
    );
  });
});

describe('old HTTP conventions: a leaked answer is found by its own port', () => {
  /** Probe 2: checkout served it and called payment on 9002 in [1210, 1280]; no answer there. */
  function secondProbe(): SpanRecord[] {
    return [
      span('checkout', 'server', 'c000000000000021', second.spanId, [1201, 1290], {
        traceId: second.traceId,
        attributes: oldServer(9001, 40002, '/checkout'),
      }),
      span('checkout', 'client', 'c000000000000022', 'c000000000000021', [1210, 1280], {
        traceId: second.traceId,
        attributes: oldClient(9002, '/pay'),
      }),
    ];
  }

  /** Probe 1, healthy: checkout called payment, which answered in its trace. */
  function firstProbe(): SpanRecord[] {
    return [
      // checkout's entry and its call to payment, without the call to inventory.
      ...checkout().slice(0, 2),
      span('payment', 'server', 'p000000000000001', 'c000000000000002', [1011, 1079], {
        attributes: oldServer(9002, 51001, '/pay'),
      }),
    ];
  }

  /** payment answered probe 2's call in probe 1's trace (a context kept from probe 1). */
  const leaked = (): SpanRecord =>
    span('payment', 'server', 'p000000000000022', 'c000000000000002', [1211, 1221], {
      attributes: oldServer(9002, 51022, '/pay'),
    });

  test('the late answer is a leak owned by probe 2, and probe 1’s isolation fails', () => {
    const spans = [...firstProbe(), ...secondProbe(), leaked()];
    const analysis = analyzeRun({
      probes: [probe, second],
      spans,
      expectServices: [],
      header: 'traceparent',
      maxClockSkewMs: 50,
    });
    assert.deepEqual(
      analysis.continuations.leaks.map((l) => [
        l.span.spanId,
        l.host,
        l.owner,
        l.call?.client.spanId,
      ]),
      [['p000000000000022', 0, 1, 'c000000000000022']],
    );
    assert.deepEqual(analysis.continuations.afterAnswer, [[], []]);
    const result = verify(spans, { maxClockSkewMs: 50 }, [probe, second]);
    const isolated = result.probes.map(
      (p) => p.findings.find((f) => f.check === 'context_isolated')!.passed,
    );
    assert.deepEqual(isolated, [false, true]);
    assert.equal(result.passed, false);
    assert.ok(
      result.probes[1]!.diagnoses.some((d) =>
        d.includes("payment answered this call in probe 1's trace, not this probe's"),
      ),
    );
  });
});
