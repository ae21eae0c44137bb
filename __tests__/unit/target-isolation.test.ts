// context_isolated as each probe reads it, and who a broken call went to (graph-checks/
// isolation.ts, graph-checks/context.ts): a leaked client span fails both probes, a leaked answer
// fails only the probe whose trace it joined, and a call is named after whoever answered it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TargetProbe } from '../../src/verify/target-types';
import type { SpanRecord } from '../../src/verify/types';
import { healthy, probe, span, verify, second } from '../helpers/target-spans';

/** Probe 2: checkout served it and called port 9002 in [1210, 1280]. */
function secondProbe(): SpanRecord[] {
  return [
    span('checkout', 'server', 'c000000000000021', second.spanId, [1201, 1290], {
      traceId: second.traceId,
    }),
    span('checkout', 'client', 'c000000000000022', 'c000000000000021', [1210, 1280], {
      traceId: second.traceId,
      attributes: {
        'http.request.method': 'GET',
        'url.full': 'http://127.0.0.1:9002/pay',
        'server.port': 9002,
      },
    }),
  ];
}

function run(spans: SpanRecord[]) {
  return verify(spans, { maxClockSkewMs: 50 }, [probe, second]);
}

const isolation = (v: ReturnType<typeof run>, index: number) => {
  const finding = v.probes[index]!.findings.find((f) => f.check === 'context_isolated')!;
  return { passed: finding.passed, observed: finding.observed };
};

const edges = (v: ReturnType<typeof run>, index: number) =>
  v.probes[index]!.edges.map((e) => `${e.from}->${e.to} ${e.call} ${e.broken ? 'broken' : 'ok'}`);

describe('context_isolated per probe', () => {
  test('a client span sent for probe 2 in probe 1’s trace: both probes fail, each once', () => {
    const leaked = span(
      'checkout',
      'client',
      'c000000000000032',
      'c000000000000001',
      [1250, 1255],
      { attributes: { 'server.port': 9009 } },
    );
    const v = run([...healthy(), ...secondProbe(), leaked]);
    const observed = '1 leaked span: checkout: GET (c000000000000032)';
    assert.deepEqual(isolation(v, 0), { passed: false, observed });
    assert.deepEqual(isolation(v, 1), { passed: false, observed });
  });

  test('payment answered probe 2’s call in probe 1’s trace: probe 1 fails, probe 2 is told by calls_answered', () => {
    const answer = span('payment', 'server', 'p000000000000022', 'c000000000000002', [1211, 1221]);
    const v = run([...healthy(), ...secondProbe(), answer]);
    assert.deepEqual(isolation(v, 0), {
      passed: false,
      observed: '1 leaked span: payment: GET (p000000000000022)',
    });
    assert.deepEqual(isolation(v, 1), { passed: true, observed: '0 leaked spans' });
    // Probe 2's unanswered call is named after the service whose answer went astray.
    assert.ok(
      edges(v, 1).includes('checkout->payment GET http://127.0.0.1:9002/pay broken'),
      edges(v, 1).join('\n'),
    );
  });

  test('the astray answer tells who probe 2’s call went to when no span tells who listens there', () => {
    // Probe 1's own call got no answer in time; payment's late answer to it has no port.
    const [entry, client] = healthy();
    const answer = span('payment', 'server', 'p000000000000022', client!.spanId, [1211, 1221]);
    const v = run([entry!, client!, ...secondProbe(), answer]);
    assert.equal(isolation(v, 0).passed, false);
    assert.ok(
      edges(v, 1).includes('checkout->payment GET http://127.0.0.1:9002/pay broken'),
      edges(v, 1).join('\n'),
    );
  });

  test('a probe that both lost a span and took one in: two leaked spans', () => {
    const third: TargetProbe = {
      ...probe,
      index: 3,
      traceId: '4'.repeat(32),
      spanId: 'dddddddddddddddd',
      startMs: 1400,
      endMs: 1500,
    };
    const entry3 = span('checkout', 'server', 'c000000000000041', third.spanId, [1401, 1490], {
      traceId: third.traceId,
    });
    const leakedCall = (id: string, parent: string, traceId: string, start: number) =>
      span('checkout', 'client', id, parent, [start, start + 5], {
        traceId,
        attributes: { 'server.port': start },
      });
    // Sent for probe 2 into probe 1's trace; sent for probe 3 into probe 2's (each to a port the
    // probe it was sent for never called).
    const lost = leakedCall('c000000000000032', 'c000000000000001', probe.traceId, 1250);
    const joined = leakedCall('c000000000000033', 'c000000000000021', second.traceId, 1450);
    const v = verify(
      [...healthy(), ...secondProbe(), entry3, lost, joined],
      { maxClockSkewMs: 50 },
      [probe, second, third],
    );
    assert.deepEqual(isolation(v, 1), {
      passed: false,
      observed:
        '2 leaked spans: checkout: GET (c000000000000033); checkout: GET (c000000000000032)',
    });
  });

  test('work after the answer, parent chain intact, is counted and passes', () => {
    const later = span('payment', 'server', 'p000000000000009', 'c000000000000002', [1150, 1160]);
    const v = run([...healthy(), ...secondProbe(), later]);
    assert.deepEqual(isolation(v, 0), {
      passed: true,
      observed:
        '0 leaked spans; 1 span after the answer, parent chain intact (context kept correctly)',
    });
  });
});

describe('who a broken call went to', () => {
  /** checkout's call to `port` under the entry span, unanswered unless answered below. */
  const call = (spanId: string, port: number, start: number) =>
    span('checkout', 'client', spanId, 'c000000000000001', [start, start + 20], {
      attributes: {
        'http.request.method': 'GET',
        'url.full': `http://127.0.0.1:${port}/x`,
        'server.port': port,
      },
    });

  test('one call answered in a broken-off trace, another by nobody: each named on its own', () => {
    const [entry] = healthy();
    const toPayment = call('c000000000000003', 9002, 1010);
    const toStock = call('c000000000000004', 9003, 1040);
    const answer = span('payment', 'server', 'p000000000000003', undefined, [1011, 1029], {
      traceId: '5'.repeat(32),
      attributes: { 'server.port': 9002 },
    });
    const v = verify([entry!, toPayment, toStock, answer]);
    assert.deepEqual(
      v.sample.edges.map((e) => `${e.from}->${e.to} ${e.broken ? 'broken' : 'ok'}`),
      ['probe->checkout ok', 'checkout->payment broken', 'checkout->127.0.0.1:9003 broken'],
    );
  });

  test('the entry broke, and its call was answered by nobody: named by its address', () => {
    const [entry] = healthy();
    const other = '6'.repeat(32);
    const restarted = { ...entry!, traceId: other, parentSpanId: undefined };
    const lost = { ...call('c000000000000004', 9003, 1040), traceId: other };
    const v = verify([restarted, lost]);
    assert.deepEqual(
      v.sample.edges.map((e) => `${e.from}->${e.to} ${e.broken ? 'broken' : 'ok'}`),
      ['probe->checkout broken', 'checkout->127.0.0.1:9003 broken'],
    );
  });
});
