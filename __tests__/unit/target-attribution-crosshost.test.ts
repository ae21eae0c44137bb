// Review of the strict-first order of attribution rules 1 and 2 (94064bf, aa986fa): a case it
// gets wrong where the nearest-start order got it right. service-c runs on its own host, its
// clock about 240 ms ahead of service-a's (within max-clock-skew, 250 ms), and it starts a new
// trace for every request. Two probes in flight together: probe 1's call to service-c runs
// from 0 to 1000 ms (service-c answered it late, at 160 ms by service-a's clock, 400 ms by its
// own), probe 2's from 60 to 100 ms (answered at once, 300 ms by service-c's clock).
//
// Truth: the root at 300 answers probe 2's call, the one at 400 probe 1's. Nearest start (before)
// found both. Strict-first gives the root at 300 to probe 1's call (its window holds 300; probe
// 2's holds it only within the skew), and then the root at 400 has no call left that holds it
// (probe 2's call ended 300 ms before): rule 3 blames service-a as an uninstrumented caller in
// probe 2, and probe 2's own call reads "sampled flag lost". The verdict is still right: every
// call rules 1 and 2 can give is an unanswered call of a probe, so calls_answered fails either way
// (the first test); which probe gets which root is what changed (the second, a todo).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { verifyTarget } from '../../src/verify/target';
import type { SpanRecord } from '../../src/verify/types';
import { httpSpan, probeAround } from '../helpers/target-spans';

const PORTS = { a: 44915, c: 39631 } as const;
type Service = keyof typeof PORTS;

function span(
  traceId: string,
  spanId: string,
  parentSpanId: string | undefined,
  service: Service,
  kind: 'server' | 'client',
  window: [number, number],
): SpanRecord {
  const to = kind === 'client' ? 'c' : service;
  return httpSpan(
    traceId,
    spanId,
    parentSpanId,
    `service-${service}`,
    kind,
    window,
    PORTS[to],
    `/service-${to}`,
  );
}

const T1 = '11111111111111111111111111111111';
const T2 = '22222222222222222222222222222222';
const ROOT_OF_CALL_2 = '00000000000000c2';
const ROOT_OF_CALL_1 = '00000000000000c1';
const SPANS: SpanRecord[] = [
  span(T1, '00000000000000a1', '00000000000000f1', 'a', 'server', [0, 1100]),
  span(T1, '00000000000000b1', '00000000000000a1', 'a', 'client', [0, 1000]),
  span(T2, '00000000000000a2', '00000000000000f2', 'a', 'server', [50, 150]),
  span(T2, '00000000000000b2', '00000000000000a2', 'a', 'client', [60, 100]),
  span('33333333333333333333333333333333', ROOT_OF_CALL_2, undefined, 'c', 'server', [300, 310]),
  span('44444444444444444444444444444444', ROOT_OF_CALL_1, undefined, 'c', 'server', [400, 410]),
];

function verification() {
  return verifyTarget({
    probes: [
      probeAround(1, T1, '00000000000000f1', [0, 1100]),
      probeAround(2, T2, '00000000000000f2', [50, 150]),
    ],
    spans: SPANS,
    expectServices: ['service-a', 'service-c'],
    header: 'traceparent',
    maxClockSkewMs: 250,
  });
}

describe('strict-first attribution with a callee clock ahead of the caller (review, s21)', () => {
  test('the run fails whichever call each root goes to: both calls are unanswered', () => {
    const result = verification();
    assert.equal(result.passed, false);
    assert.ok(result.failedChecks.includes('calls_answered'), result.failedChecks.join());
    assert.ok(result.failedChecks.includes('no_new_roots'), result.failedChecks.join());
    for (const p of result.probes) assert.equal(p.passed, false, `probe ${p.index}`);
  });

  test(
    'each root goes to the call it answered; service-a is not blamed as uninstrumented',
    {
      todo: 'strict-first gives the root at 300 to probe 1 (see the header); a matching over the breaks in flight would not',
    },
    () => {
      const result = verification();
      const edge =
        /^service-a -> service-c \(GET http:\/\/127\.0\.0\.1:39631\/service-c\): service-c started a new trace/;
      for (const p of result.probes) {
        const diagnoses = p.diagnoses.join('\n');
        assert.ok(
          p.diagnoses.some((d) => edge.test(d)),
          `probe ${p.index}:\n${diagnoses}`,
        );
        assert.ok(
          !diagnoses.includes('exported no client span'),
          `probe ${p.index}:\n${diagnoses}`,
        );
        assert.ok(!diagnoses.includes('sampled flag lost'), `probe ${p.index}:\n${diagnoses}`);
      }
      const observed = result.checks.find((c) => c.check === 'no_new_roots');
      assert.equal(observed?.failed, 2);
    },
  );
});

// The same greed the other way: a probe left passing while a service lost its context serving
// it. Probe 1's service-a calls service-x (port 7777) twice, from 0 to 500 and from 455 to 1000;
// service-x answers neither in probe 1's trace, one with a new root at 450. Probe 2 (600 to 1000)
// reaches service-x through an answered call, and service-x's deferred work begins a client span
// in a new trace at 800 (rule 4: context lost in service-x while it served probe 2). Nearest start
// (before) gave the root at 450 to the call beginning 5 ms after it, so no call held 800 and rule 4
// blamed probe 2. Strict-first gives it to the call holding it (0 to 500, 450 ms from its start),
// and rule 2 then gives the client root at 800 to probe 1's other call (service-x listens where
// it went): probe 2 reads passed, with no diagnosis. The run fails all the same (probe 1's calls).
/** service-x listens on 7777 (every server span here names it); `calls` is the port a client called. */
function xSpan(
  traceId: string,
  spanId: string,
  parentSpanId: string | undefined,
  service: string,
  kind: 'server' | 'client',
  window: [number, number],
  calls?: number,
): SpanRecord {
  const port = kind === 'client' ? calls! : 7777;
  return httpSpan(
    traceId,
    spanId,
    parentSpanId,
    service,
    kind,
    window,
    port,
    port === 7777 ? '/x' : '/d',
  );
}
const TP = 'a'.repeat(32);
const TQ = 'b'.repeat(32);
const LOCAL_SPANS: SpanRecord[] = [
  xSpan(TP, '1000000000000001', 'f000000000000001', 'service-a', 'server', [0, 1100]),
  xSpan(TP, '1000000000000002', '1000000000000001', 'service-a', 'client', [0, 500], 7777),
  xSpan(TP, '1000000000000003', '1000000000000001', 'service-a', 'client', [455, 1000], 7777),
  xSpan('c'.repeat(32), '3000000000000001', undefined, 'service-x', 'server', [450, 460]),
  xSpan(TQ, '2000000000000001', 'f000000000000002', 'service-a', 'server', [600, 1000]),
  xSpan(TQ, '2000000000000002', '2000000000000001', 'service-a', 'client', [610, 990], 7777),
  xSpan(TQ, '2000000000000003', '2000000000000002', 'service-x', 'server', [620, 980]),
  xSpan('d'.repeat(32), '4000000000000001', undefined, 'service-x', 'client', [800, 810], 9999),
];

function localVerification() {
  return verifyTarget({
    probes: [
      probeAround(1, TP, 'f000000000000001', [0, 1100]),
      probeAround(2, TQ, 'f000000000000002', [600, 1000]),
    ],
    spans: LOCAL_SPANS,
    expectServices: [],
    header: 'traceparent',
    maxClockSkewMs: 250,
  });
}

describe('strict-first attribution and a context lost in a service (review, s21)', () => {
  test('the run fails: probe 1 has unanswered calls whichever break they explain', () => {
    const result = localVerification();
    assert.equal(result.passed, false);
    assert.ok(result.failedChecks.includes('calls_answered'), result.failedChecks.join());
    assert.equal(result.probes[0]!.passed, false);
  });

  test(
    'probe 2 fails: service-x began a trace while serving it',
    { todo: 'strict-first leaves probe 1 a call that rule 2 gives the client root to' },
    () => {
      const result = localVerification();
      const second = result.probes[1]!;
      assert.equal(second.passed, false, second.diagnoses.join('\n'));
      assert.ok(
        second.diagnoses.some((d) => d.includes('began this client span in a new trace')),
        second.diagnoses.join('\n'),
      );
    },
  );
});
