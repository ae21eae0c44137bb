// Leaks, rule by rule (src/verify/leaks.ts): a late span is a leak only when another probe shows
// the matching break; each bound (time window, port, external, explained) decides on its own.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeRun } from '../../src/verify/analysis';
import type { TargetInput } from '../../src/verify/target-types';
import type { SpanRecord } from '../../src/verify/types';
import { PROBE_SPAN, PROBE_TRACE, healthy, probe, span, second } from '../helpers/target-spans';

const SKEW = 50;

function run(spans: SpanRecord[], extra: Partial<TargetInput> = {}) {
  return analyzeRun({
    probes: [probe, second],
    spans,
    expectServices: [],
    header: 'traceparent',
    maxClockSkewMs: SKEW,
    ...extra,
  });
}

/** Probe 2: checkout served it and called port `port` in [1210, 1280]; nothing answered there. */
function secondProbe(port = 9002): SpanRecord[] {
  return [
    span('checkout', 'server', 'c000000000000021', second.spanId, [1201, 1290], {
      traceId: second.traceId,
    }),
    span('checkout', 'client', 'c000000000000022', 'c000000000000021', [1210, 1280], {
      traceId: second.traceId,
      attributes: { 'server.port': port },
    }),
  ];
}

/** payment's answer to probe 2's call, in probe 1's trace (after probe 1's call ended). */
function answerIn1(start: number, port: number | undefined = 9002): SpanRecord {
  return span('payment', 'server', 'p000000000000022', 'c000000000000002', [start, start + 10], {
    attributes: port === undefined ? {} : { 'server.port': port },
  });
}

function leaks(spans: SpanRecord[], extra: Partial<TargetInput> = {}) {
  const analysis = run(spans, extra);
  return {
    leaks: analysis.continuations.leaks.map((l) => ({
      span: l.span.spanId,
      host: l.host,
      owner: l.owner,
      call: l.call?.client.spanId,
    })),
    after: analysis.continuations.afterAnswer.map((spans) => spans.map((s) => s.spanId)),
  };
}

const LEAK = { span: 'p000000000000022', host: 0, owner: 1, call: 'c000000000000022' };

describe('a server span that answered another probe’s call in the wrong trace', () => {
  test("inside the call's window: a leak, owned by probe 2, hosted by probe 1", () => {
    assert.deepEqual(leaks([...healthy(), ...secondProbe(), answerIn1(1211)]), {
      leaks: [LEAK],
      after: [[], []],
    });
  });

  for (const [label, start, leaked] of [
    ['at the window start less the skew', 1210 - SKEW, true],
    ['just before it', 1210 - SKEW - 1, false],
    ['at the window end plus the skew', 1280 + SKEW, true],
    ['just after it', 1280 + SKEW + 1, false],
  ] as const) {
    test(`${label}: ${leaked ? 'a leak' : 'work after the answer'}`, () => {
      const result = leaks([...healthy(), ...secondProbe(), answerIn1(start)]);
      assert.deepEqual(result.leaks, leaked ? [LEAK] : []);
      assert.deepEqual(result.after, leaked ? [[], []] : [['p000000000000022'], []]);
    });
  }

  test('to another port: not that call', () => {
    assert.deepEqual(leaks([...healthy(), ...secondProbe(9003), answerIn1(1211)]).leaks, []);
  });

  test('a port unknown on either side matches', () => {
    assert.deepEqual(leaks([...healthy(), ...secondProbe(), answerIn1(1211, undefined)]).leaks, [
      LEAK,
    ]);
    const portless = secondProbe();
    portless[1] = { ...portless[1]!, attributes: {} };
    assert.deepEqual(leaks([...healthy(), ...portless, answerIn1(1211)]).leaks, [LEAK]);
  });

  test('a call declared external is not waiting for an answer', () => {
    const result = leaks([...healthy(), ...secondProbe(), answerIn1(1211)], {
      externalCalls: [{ kind: 'host', host: '127.0.0.1', port: 9002 }],
    });
    const external = secondProbe();
    external[1] = {
      ...external[1]!,
      attributes: { 'server.port': 9002, 'server.address': '127.0.0.1' },
    };
    const declared = leaks([...healthy(), ...external, answerIn1(1211)], {
      externalCalls: [{ kind: 'host', host: '127.0.0.1', port: 9002 }],
    });
    assert.deepEqual(result.leaks, [LEAK]);
    assert.deepEqual(declared.leaks, []);
  });

  test('not late: a span inside its parent’s time is no continuation at all', () => {
    const early = span('payment', 'server', 'p000000000000022', 'c000000000000002', [1020, 1030]);
    assert.deepEqual(leaks([...healthy(), ...secondProbe(), early]), {
      leaks: [],
      after: [[], []],
    });
  });

  test('late by the probe’s end alone (its parent unknown): judged too', () => {
    const orphan = span('payment', 'server', 'p000000000000022', 'eeeeeeeeeeeeeeee', [1211, 1221], {
      attributes: { 'server.port': 9002 },
    });
    assert.deepEqual(leaks([...healthy(), ...secondProbe(), orphan]).leaks, [LEAK]);
  });

  test('a late span exactly at the parent’s end plus the skew is not late', () => {
    // checkout's client in probe 1 ends at 1080.
    const atBound = answerIn1(1080 + SKEW);
    assert.deepEqual(leaks([...healthy(), ...secondProbe(), atBound]).after, [[], []]);
  });
});

describe('a client span made for another probe, in the wrong trace', () => {
  /** checkout's call to payment in probe 1's trace at `start`, made while serving probe 2. */
  function leakedCall(start: number, service = 'checkout', port = 9002): SpanRecord {
    return span(service, 'client', 'c000000000000032', 'c000000000000001', [start, start + 5], {
      attributes: { 'server.port': port },
    });
  }
  const entry2 = secondProbe()[0]!; // served [1201, 1290]

  for (const [label, start, leaked] of [
    ['inside the request probe 2 was being served', 1250, true],
    ['at its start less 1 ms', 1200, true],
    ['2 ms before it', 1199, false],
    ['at its end plus 1 ms', 1291, true],
    ['2 ms after it', 1292, false],
  ] as const) {
    test(`${label}: ${leaked ? 'a leak' : 'work after the answer'}`, () => {
      const result = leaks([...healthy(), entry2, leakedCall(start)]);
      assert.deepEqual(
        result.leaks,
        leaked ? [{ span: 'c000000000000032', host: 0, owner: 1, call: undefined }] : [],
      );
    });
  }

  test('probe 2 made that call itself: work after the answer', () => {
    const result = leaks([...healthy(), ...secondProbe(), leakedCall(1250)]);
    assert.deepEqual(result.leaks, []);
    assert.deepEqual(result.after, [['c000000000000032'], []]);
  });

  test('probe 2 made a call to another port only: still a leak', () => {
    const result = leaks([...healthy(), ...secondProbe(9009), leakedCall(1250)]);
    assert.deepEqual(result.leaks, [
      { span: 'c000000000000032', host: 0, owner: 1, call: undefined },
    ]);
  });

  test('another service was serving probe 2: not its call', () => {
    const result = leaks([...healthy(), entry2, leakedCall(1250, 'ledger')]);
    assert.deepEqual(result.leaks, []);
  });
});

describe('which late spans are judged, and against which probe', () => {
  test('a late internal span is neither a leak nor work after the answer', () => {
    const internal = span(
      'checkout',
      'internal',
      'c000000000000041',
      'c000000000000002',
      [1250, 1260],
    );
    assert.deepEqual(leaks([...healthy(), ...secondProbe(), internal]), {
      leaks: [],
      after: [[], []],
    });
  });

  test('a client span sent after the answer by a server span still running is not late', () => {
    const spans = healthy();
    spans[0] = { ...spans[0]!, endTimeMs: 1290 };
    const call = span('checkout', 'client', 'c000000000000041', 'c000000000000001', [1250, 1260], {
      attributes: { 'server.port': 9009 },
    });
    assert.deepEqual(leaks([...spans, call]), { leaks: [], after: [[], []] });
  });

  for (const [start, late] of [
    [probe.endMs + SKEW, false],
    [probe.endMs + SKEW + 1, true],
  ] as const) {
    test(`a server span starting at the probe's end plus the skew${late ? ' plus 1 ms' : ''}: ${late ? 'after the answer' : 'not late'}`, () => {
      // Its parent, checkout's client, ends at 1140: only the probe's end makes it late.
      const spans = healthy();
      spans[1] = { ...spans[1]!, endTimeMs: 1140 };
      spans[0] = { ...spans[0]!, endTimeMs: 1145 };
      spans[2] = { ...spans[2]!, startTimeMs: start, endTimeMs: start + 5 };
      assert.deepEqual(leaks(spans).after, [late ? ['p000000000000001'] : [], []]);
    });
  }

  test('a late span of a trace that is no probe’s and matches no call: nothing', () => {
    const other = '7'.repeat(32);
    const parent = span('ledger', 'server', 'l000000000000001', undefined, [2000, 2010], {
      traceId: other,
    });
    const child = span('ledger', 'client', 'l000000000000002', parent.spanId, [2500, 2510], {
      traceId: other,
    });
    assert.deepEqual(leaks([...healthy(), parent, child]), { leaks: [], after: [[], []] });
  });

  test('a late answer to an unanswered call of its own probe is work after the answer', () => {
    const spans = healthy();
    spans[0] = { ...spans[0]!, endTimeMs: 1170 };
    // Probe 1's own second call, unanswered, in flight when payment answered late.
    const pending = span(
      'checkout',
      'client',
      'c000000000000003',
      'c000000000000001',
      [1100, 1160],
      { attributes: { 'server.port': 9002 } },
    );
    const late = answerIn1(1140);
    assert.deepEqual(leaks([...spans, pending, late]), {
      leaks: [],
      after: [['p000000000000022'], []],
    });
  });

  test('a call already answered in a trace broken off probe 2 is no call a late span answered', () => {
    const brokenOff = span('payment', 'server', 'p000000000000023', undefined, [1212, 1222], {
      traceId: '8'.repeat(32),
      attributes: { 'server.port': 9002 },
    });
    const analysis = run([...healthy(), ...secondProbe(), brokenOff, answerIn1(1211)]);
    assert.deepEqual(
      analysis.probes[1]!.breaks.map((b) => [b.span.spanId, b.cause.kind]),
      [['p000000000000023', 'call']],
    );
    assert.deepEqual(analysis.continuations.leaks, []);
  });

  test('probe 2 made the call in its own trace and has a broken-off trace too: not a leak', () => {
    const brokenOff = span('inventory', 'server', 'i000000000000023', undefined, [1212, 1222], {
      traceId: '8'.repeat(32),
      attributes: { 'server.port': 9003 },
    });
    const probe2 = secondProbe();
    const pending = span(
      'checkout',
      'client',
      'c000000000000023',
      'c000000000000021',
      [1205, 1230],
      { traceId: second.traceId, attributes: { 'server.port': 9003 } },
    );
    const call = span('checkout', 'client', 'c000000000000032', 'c000000000000001', [1250, 1255], {
      attributes: { 'server.port': 9002 },
    });
    const analysis = run([...healthy(), ...probe2, pending, brokenOff, call]);
    assert.equal(analysis.probes[1]!.component.length, 2);
    assert.deepEqual(analysis.continuations.leaks, []);
  });

  test('probe 2’s calls made by another service do not count as checkout’s', () => {
    const [entry2] = secondProbe();
    const other = span('ledger', 'client', 'l000000000000022', entry2!.spanId, [1210, 1280], {
      traceId: second.traceId,
      attributes: { 'server.port': 9002 },
    });
    const call = span('checkout', 'client', 'c000000000000032', 'c000000000000001', [1250, 1255], {
      attributes: { 'server.port': 9002 },
    });
    assert.deepEqual(leaks([...healthy(), entry2!, other, call]).leaks, [
      { span: 'c000000000000032', host: 0, owner: 1, call: undefined },
    ]);
  });

  test('a late client span or probe 2’s call without a port: probe 2 made it', () => {
    const call = (port: number | undefined) =>
      span('checkout', 'client', 'c000000000000032', 'c000000000000001', [1250, 1255], {
        attributes: port === undefined ? {} : { 'server.port': port },
      });
    const portless = secondProbe();
    portless[1] = { ...portless[1]!, attributes: {} };
    assert.deepEqual(leaks([...healthy(), ...secondProbe(), call(undefined)]).leaks, []);
    assert.deepEqual(leaks([...healthy(), ...portless, call(9003)]).leaks, []);
  });

  test('probe 2’s other call, not the one its break explains, is the call a late answer took', () => {
    const brokenOff = span('payment', 'server', 'p000000000000023', undefined, [1212, 1222], {
      traceId: '8'.repeat(32),
      attributes: { 'server.port': 9002 },
    });
    const toStock = span(
      'checkout',
      'client',
      'c000000000000023',
      'c000000000000021',
      [1210, 1280],
      { traceId: second.traceId, attributes: { 'server.port': 9003 } },
    );
    const stock = span(
      'inventory',
      'server',
      'i000000000000022',
      'c000000000000002',
      [1211, 1221],
      { attributes: { 'server.port': 9003 } },
    );
    assert.deepEqual(leaks([...healthy(), ...secondProbe(), toStock, brokenOff, stock]).leaks, [
      { span: 'i000000000000022', host: 0, owner: 1, call: 'c000000000000023' },
    ]);
  });

  test('a late answer that tells no port matches a call to any port', () => {
    const portless = span(
      'payment',
      'server',
      'p000000000000022',
      'c000000000000002',
      [1211, 1221],
    );
    assert.deepEqual(leaks([...healthy(), ...secondProbe(), portless]).leaks, [LEAK]);
  });

  test('a probe whose trace holds one span, begun after the probe’s end: after the answer', () => {
    const alone = span('checkout', 'server', 'c000000000000001', PROBE_SPAN, [1160, 1170]);
    assert.deepEqual(leaks([alone]).after, [['c000000000000001'], []]);
  });

  test('probe 2 did only internal work in checkout: checkout was not serving it', () => {
    const work = span('checkout', 'internal', 'c000000000000021', second.spanId, [1201, 1290], {
      traceId: second.traceId,
    });
    const call = span('checkout', 'client', 'c000000000000032', 'c000000000000001', [1250, 1255], {
      attributes: { 'server.port': 9002 },
    });
    assert.deepEqual(leaks([...healthy(), work, call]).leaks, []);
  });
});

void PROBE_TRACE;
