// Rules 1 and 2 of the attribution (an unanswered call in flight): which call they choose. Pinned
// before the walk over every call of every probe was replaced by an index (attribution-calls.ts),
// so that the index gives the walk's answers: among the unused, non-external calls whose window
// holds the break's start and that the rule accepts, the one whose start is nearest to the
// break's; on equal distances the first in probe order, then in the probe's call order (calls of
// a trace attached by an earlier break come last). Calls whose own window holds it come first;
// only when none does, those whose window holds it within the skew, before or after it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeRun } from '../../src/verify/analysis';
import type { TargetProbe } from '../../src/verify/target-types';
import type { SpanRecord } from '../../src/verify/types';
import { probe, span } from '../helpers/target-spans';

const SKEW = 50;

function probeAt(index: number): TargetProbe {
  const id = String(index);
  return { ...probe, index, traceId: id.repeat(32), spanId: id.repeat(16), startMs: 1000 + index };
}

const p1 = probeAt(1);
const p2 = probeAt(2);

/** The entry of `owner`: a checkout server span answering the probe, 1001 to 1095. */
function entry(owner: TargetProbe): SpanRecord {
  return span('checkout', 'server', `e${owner.spanId.slice(1)}`, owner.spanId, [1001, 1095], {
    traceId: owner.traceId,
  });
}

/** An unanswered call of `owner`'s entry, `start` to `start + 40`. */
function call(owner: TargetProbe, id: string, start: number, port?: number): SpanRecord {
  return span('checkout', 'client', id, `e${owner.spanId.slice(1)}`, [start, start + 40], {
    traceId: owner.traceId,
    attributes: port === undefined ? {} : { 'server.port': port },
  });
}

/** An unanswered call of `owner`'s entry, `start` to `start + 5`: over before a break 10 ms on. */
function shortCall(owner: TargetProbe, id: string, start: number): SpanRecord {
  return { ...call(owner, id, start), endTimeMs: start + 5 };
}

/** A span of `service` that began a trace of its own (a break) at `start`. */
function root(
  service: string,
  id: string,
  start: number,
  port?: number,
  kind: SpanRecord['kind'] = 'server',
): SpanRecord {
  return span(service, kind, id, undefined, [start, start + 5], {
    traceId: `7${id.padStart(31, '0')}`,
    attributes: port === undefined ? {} : { 'server.port': port },
  });
}

/** Each probe's breaks as `break kind rule call` (or `break kind cause server`). */
function causes(probes: TargetProbe[], spans: SpanRecord[], skew = SKEW): string[][] {
  const analysis = analyzeRun({
    probes,
    spans,
    expectServices: [],
    header: 'traceparent',
    maxClockSkewMs: skew,
  });
  return analysis.probes.map((p) =>
    p.breaks.map(({ span: brk, cause }) => {
      const detail =
        cause.kind === 'call'
          ? `${cause.rule} ${cause.call.client.spanId}`
          : cause.kind === 'caller'
            ? `caller ${cause.caller.spanId}`
            : cause.kind === 'local'
              ? `local ${cause.server.spanId}`
              : cause.kind;
      return `${brk.spanId} ${detail}`;
    }),
  );
}

describe('rules 1 and 2: the nearest start, on either side of the break', () => {
  test('rule 2: a call in flight when the break began, before a nearer one that began after it', () => {
    // One clock: a2 began after payment's new trace did, so only a clock skew could make it the
    // cause; a1 was in flight. (A flake of causal.test.ts: sequential probes each took the next
    // probe's break, nearer by start within the skew, and the last break went to rule 3.)
    const spans = [entry(p1), call(p1, 'a1', 1010), call(p1, 'a2', 1040), root('pay', 'r1', 1030)];
    assert.deepEqual(causes([p1], spans), [['r1 call-in-flight a1']]);
    // With no call in flight, the one that began after it within the skew.
    const later = [
      entry(p1),
      shortCall(p1, 'a1', 1010),
      call(p1, 'a2', 1040),
      root('pay', 'r1', 1030),
    ];
    assert.deepEqual(causes([p1], later), [['r1 call-in-flight a2']]);
  });

  test('rule 2: a call that began before the break, nearer than one after it', () => {
    const spans = [entry(p1), call(p1, 'a1', 1025), call(p1, 'a2', 1040), root('pay', 'r1', 1030)];
    assert.deepEqual(causes([p1], spans), [['r1 call-in-flight a1']]);
  });

  test('rule 1: among the calls to its address, the nearest; a nearer call elsewhere loses', () => {
    const spans = [
      entry(p1),
      call(p1, 'a1', 1005, 9002),
      call(p1, 'a2', 1015, 9002),
      call(p1, 'a3', 1030, 9009),
      root('pay', 'r1', 1030, 9002),
    ];
    assert.deepEqual(causes([p1], spans), [['r1 call-to-its-address a2']]);
  });

  test('the window with the skew: a call that ended long before, or began long after, is not it', () => {
    const spans = [
      entry(p1),
      // Ends at 1010 + 40 + 50 = 1100 at the latest, with the skew: 1101 is outside.
      call(p1, 'a1', 1010),
      // Begins at 1152 - 50 = 1102 at the earliest: 1101 is outside.
      call(p1, 'a2', 1152),
      root('pay', 'r1', 1101),
    ];
    assert.deepEqual(causes([p1], spans), [['r1 caller e111111111111111']]);
    spans[2] = call(p1, 'a2', 1151);
    assert.deepEqual(causes([p1], spans), [['r1 call-in-flight a2']]);
  });
});

describe('rules 1 and 2: equal distances', () => {
  test('one before and one after the break (within the skew): the first probe’s, whichever side', () => {
    const after = [call(p1, 'a1', 1040), shortCall(p2, 'b1', 1020)];
    const before = [shortCall(p1, 'a1', 1020), call(p2, 'b1', 1040)];
    for (const calls of [after, before]) {
      const spans = [entry(p1), entry(p2), ...calls, root('pay', 'r1', 1030)];
      assert.deepEqual(causes([p1, p2], spans), [['r1 call-in-flight a1'], []]);
    }
  });

  test('two calls of one probe at the same start: the first in its call order', () => {
    const first = [call(p1, 'a1', 1020, 9002), call(p1, 'a2', 1020, 9002)];
    for (const calls of [first, [...first].reverse()]) {
      const spans = [entry(p1), ...calls, root('pay', 'r1', 1030, 9002)];
      assert.deepEqual(causes([p1], spans), [[`r1 call-to-its-address ${calls[0]!.spanId}`]]);
    }
  });

  test('two probes’ calls at the same start: the first probe’s, whichever was exported first', () => {
    const calls = [call(p2, 'b1', 1020), call(p1, 'a1', 1020)];
    for (const order of [calls, [...calls].reverse()]) {
      const spans = [entry(p1), entry(p2), ...order, root('pay', 'r1', 1030)];
      assert.deepEqual(causes([p1, p2], spans), [['r1 call-in-flight a1'], []]);
    }
  });

  test('rule 2: equal distances in two of its indexes (unlisted port, the service’s own port)', () => {
    const spans = [
      entry(p1),
      entry(p2),
      // pay listens on 9002: p1's call there is in the port's index, p2's (no port) elsewhere.
      call(p1, 'a0', 1005, 9002),
      span('pay', 'server', 's0', 'a0', [1006, 1010], {
        traceId: p1.traceId,
        attributes: { 'server.port': 9002 },
      }),
      call(p2, 'b1', 1040),
      call(p1, 'a1', 1020, 9002),
      root('pay', 'r1', 1030),
    ];
    // 10 ms either side: the first probe's, though the other index was searched first.
    assert.deepEqual(causes([p1, p2], spans), [['r1 call-in-flight a1'], []]);
  });

  test('the second break of the same moment takes the other call', () => {
    const spans = [
      entry(p1),
      entry(p2),
      call(p2, 'b1', 1020),
      call(p1, 'a1', 1040),
      root('pay', 'r1', 1030),
      root('pay', 'r2', 1030),
    ];
    // b1 was in flight when both began: the first takes it, the second a1 (within the skew).
    const [one, two] = causes([p1, p2], spans);
    assert.deepEqual([one, two], [['r2 call-in-flight a1'], ['r1 call-in-flight b1']]);
  });
});

describe('rules 1 and 2: which calls are candidates', () => {
  test('a used call is skipped: the next break takes the next nearest', () => {
    const spans = [
      entry(p1),
      call(p1, 'a1', 1010, 9002),
      call(p1, 'a2', 1024, 9002),
      root('pay', 'r1', 1025, 9002),
      root('pay', 'r2', 1026, 9002),
    ];
    assert.deepEqual(causes([p1], spans), [
      ['r1 call-to-its-address a2', 'r2 call-to-its-address a1'],
    ]);
  });

  test('a root that is no server span is not the answer to a call of its own service', () => {
    const spans = [
      entry(p1),
      call(p1, 'a1', 1020, 9555),
      root('checkout', 'r1', 1030, 9555, 'client'),
    ];
    // Not "checkout -> checkout": checkout lost its context (rule 4).
    assert.deepEqual(causes([p1], spans), [['r1 local e111111111111111']]);
  });

  // The gateway's call ends after the nearer own-service call (1080) or before it (1040).
  for (const gatewayEnd of [1080, 1040]) {
    test(`a nearer call of its own service is skipped for one of another service (ending at ${gatewayEnd})`, () => {
      const spans = [
        entry(p1),
        span('gateway', 'client', 'g1', 'e111111111111111', [1000, gatewayEnd], {
          traceId: p1.traceId,
          attributes: { 'server.port': 9555 },
        }),
        call(p1, 'a1', 1029, 9555),
        root('checkout', 'r1', 1030, 9555, 'producer'),
      ];
      assert.deepEqual(causes([p1], spans), [['r1 call-to-its-address g1']]);
    });
  }

  test('rule 2: a call to where the break’s own service listens (and no other) explains it', () => {
    const spans = [
      entry(p1),
      // pay answered another call of the probe on 9002: pay listens there.
      call(p1, 'a0', 1005, 9002),
      span('pay', 'server', 's0', 'a0', [1006, 1010], {
        traceId: p1.traceId,
        attributes: { 'server.port': 9002 },
      }),
      call(p1, 'a1', 1020, 9002),
      call(p1, 'a2', 1028, 9003),
      span('ledger', 'server', 'l0', 'a9', [900, 901], {
        traceId: '4'.repeat(32),
        attributes: { 'server.port': 9003 },
      }),
      root('pay', 'r1', 1030),
    ];
    assert.deepEqual(causes([p1], spans)[0], ['r1 call-in-flight a1']);
  });

  test('rule 2: a service that listens on two ports: a call to either explains its root', () => {
    /** pay's server span answering `id` on `port`, so that pay listens there. */
    const listening = (id: string, port: number): SpanRecord[] => [
      call(p1, id, 1001, port),
      span('pay', 'server', `s${id}`, id, [1002, 1004], {
        traceId: p1.traceId,
        attributes: { 'server.port': port },
      }),
    ];
    for (const [first, second] of [
      [9002, 9004],
      [9004, 9002],
    ] as const) {
      const spans = [
        entry(p1),
        ...listening('a7', first),
        ...listening('a8', second),
        call(p1, 'a1', 1020, 9004),
        root('pay', 'r1', 1030),
      ];
      assert.deepEqual(causes([p1], spans), [['r1 call-in-flight a1']], `${first} then ${second}`);
    }
  });

  test('a server root may answer a call of its own service', () => {
    const spans = [entry(p1), call(p1, 'a1', 1020, 9001), root('checkout', 'r1', 1030, 9001)];
    assert.deepEqual(causes([p1], spans), [['r1 call-to-its-address a1']]);
  });

  test('a call declared external is no candidate', () => {
    const external = call(p1, 'a1', 1020, 9002);
    external.attributes = { 'server.port': 9002, 'url.full': 'http://api.example:9002/x' };
    const spans = [entry(p1), external, root('pay', 'r1', 1030, 9002)];
    const analysis = analyzeRun({
      probes: [p1],
      spans,
      expectServices: [],
      header: 'traceparent',
      maxClockSkewMs: SKEW,
      externalCalls: [{ kind: 'host', host: 'api.example', port: undefined }],
    });
    assert.deepEqual(
      analysis.probes[0]!.breaks.map((b) => b.cause.kind),
      ['caller'],
    );
  });
});

describe('rules 1 and 2: calls of a trace attached by an earlier break', () => {
  /** payment's new root (9002) answering a1, and its own unanswered call to ledger (9003). */
  const broken = (callStart: number): SpanRecord[] => [
    span('payment', 'server', 'p1', undefined, [1021, 1090], {
      traceId: '5'.repeat(32),
      attributes: { 'server.port': 9002 },
    }),
    span('payment', 'client', 'p2', 'p1', [callStart, callStart + 40], {
      traceId: '5'.repeat(32),
      attributes: { 'server.port': 9003 },
    }),
  ];

  test('are candidates for a later break', () => {
    const spans = [entry(p1), call(p1, 'a1', 1020, 9002), ...broken(1030)];
    spans.push(root('ledger', 'r1', 1040, 9003));
    assert.deepEqual(causes([p1], spans), [
      ['p1 call-to-its-address a1', 'r1 call-to-its-address p2'],
    ]);
  });

  test('come after the probe’s own calls on equal distances', () => {
    const spans = [entry(p1), call(p1, 'a1', 1020, 9002), ...broken(1030)];
    spans.push(call(p1, 'a9', 1030, 9003), root('ledger', 'r1', 1040, 9003));
    assert.deepEqual(causes([p1], spans), [
      ['p1 call-to-its-address a1', 'r1 call-to-its-address a9'],
    ]);
  });

  test('come before a later probe’s calls on equal distances', () => {
    const spans = [entry(p1), entry(p2), call(p1, 'a1', 1020, 9002), ...broken(1030)];
    spans.push(call(p2, 'b9', 1030, 9003), root('ledger', 'r1', 1040, 9003));
    assert.deepEqual(causes([p1, p2], spans), [
      ['p1 call-to-its-address a1', 'r1 call-to-its-address p2'],
      [],
    ]);
  });
});

describe('rules 1 and 2: times that are no finite number', () => {
  test('an infinite skew: every call is in flight, the nearest wins, ties to the first probe', () => {
    const spans = [
      entry(p1),
      entry(p2),
      shortCall(p2, 'b1', 1020),
      shortCall(p1, 'a1', 1040),
      call(p1, 'a2', 5000),
      root('pay', 'r1', 1030),
      root('pay', 'r2', 4990),
    ];
    assert.deepEqual(causes([p1, p2], spans, Infinity), [
      ['r1 call-in-flight a1', 'r2 call-in-flight a2'],
      [],
    ]);
  });

  test('a break at an infinite time: the first call in order whose window reaches it', () => {
    const open = (owner: TargetProbe, id: string, start: number) => ({
      ...call(owner, id, start),
      endTimeMs: Infinity,
    });
    const spans = [
      entry(p1),
      entry(p2),
      open(p2, 'b1', 1040),
      call(p1, 'a1', 1030),
      open(p1, 'a2', 1020),
      root('pay', 'r1', Infinity),
    ];
    assert.deepEqual(causes([p1, p2], spans), [['r1 call-in-flight a2'], []]);
  });
});
