// Rules 3 and 5 of the attribution find their candidates by a sweep over the probes' server
// spans (and unjoined probes) in start order, instead of a walk of every probe per server root
// (src/verify/attribution-caller-index.ts, attribution-entry-index.ts). These pin the edges the
// walk had, so that the sweep admits and drops exactly what `within` accepts: a candidate that
// began exactly the skew after the root, one that ended exactly the skew before it, one that began
// before a shorter one ended after it, the first probe on equal ranks, and a callee that a probe
// knows from an earlier uninstrumented call. Each passes on the walk too (076861b).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeRun } from '../../src/verify/analysis';
import type { SpanRecord } from '../../src/verify/types';
import { causes, root, served, SKEW } from '../helpers/attribution-sweep';
import { probeAt, span } from '../helpers/target-spans';

describe('rule 3 by sweep: the edges of a request in flight', () => {
  const p1 = { ...probeAt(1, 0, 1000), status: undefined };

  for (const [label, window, found] of [
    ['began exactly the skew after the root', [100 + SKEW, 200], true],
    ['began just over the skew after the root', [100 + SKEW + 0.5, 200], false],
    ['ended exactly the skew before the root', [50, 100 - SKEW], true],
    ['ended just over the skew before the root', [50, 100 - SKEW - 0.5], false],
  ] as const) {
    test(`a request of another service that ${label}: ${found ? 'the caller' : 'none'}`, () => {
      const spans = served(p1, [span('gateway', 'server', 'a000000000000001', 'x', [...window])]);
      assert.deepEqual(causes([p1], [...spans, root('payment', '1', [100, 110])]), [
        found ? ['1 caller a000000000000001'] : [],
      ]);
    });
  }

  test('a long request begun before a short one that ended before the root is still a caller', () => {
    // By start: the long one (gateway) first; a search by end would stop at the short one.
    const spans = served(p1, [
      span('gateway', 'server', 'a000000000000001', 'x', [10, 900]),
      span('stock', 'server', 'a000000000000002', 'x', [20, 30]),
      span('stock', 'server', 'a000000000000003', 'x', [500, 510]),
    ]);
    assert.deepEqual(causes([p1], [...spans, root('payment', '1', [100, 110])]), [
      ['1 caller a000000000000001'],
    ]);
  });

  test('two probes with requests that rank the same: the first probe’s', () => {
    const p2 = { ...probeAt(2, 0, 1000), status: undefined };
    const request = (id: string): SpanRecord => span('gateway', 'server', id, 'x', [50, 150]);
    const spans = [
      ...served(p2, [request('b000000000000001')]),
      ...served(p1, [request('a000000000000001')]),
    ];
    assert.deepEqual(causes([p1, p2], [...spans, root('payment', '1', [100, 110])]), [
      ['1 caller a000000000000001'],
      [],
    ]);
  });

  test('a callee the probe called without a client once is then one of its calls only through a forwarder', () => {
    // gateway made the first call to payment without a client; for the second, the probe knows
    // payment, and stock (which made an instrumented call) is no forwarder.
    const spans = served(p1, [
      span('gateway', 'server', 'a000000000000001', 'x', [50, 150]),
      span('stock', 'server', 'a000000000000002', 'x', [60, 300]),
      span('stock', 'client', 'a000000000000003', 'a000000000000002', [280, 290]),
    ]);
    assert.deepEqual(
      causes([p1], [...spans, root('payment', '1', [100, 110]), root('payment', '2', [200, 210])]),
      [['1 caller a000000000000001']],
    );
  });
});

describe('rule 5 by sweep: the probe whose entry did not join', () => {
  /** Probes that exported nothing (their entry is not instrumented): only rule 5 can explain. */
  for (const [label, sent, found] of [
    ['sent exactly the skew after the root', 100 + SKEW, true],
    ['sent just over the skew after the root', 100 + SKEW + 0.5, false],
  ] as const) {
    test(`a probe ${label}: ${found ? 'its entry' : 'none'}`, () => {
      const p1 = probeAt(1, sent, 400);
      assert.deepEqual(causes([p1], [root('payment', '1', [100, 110])]), [
        found ? ['1 entry'] : [],
      ]);
    });
  }

  test('a probe that ended exactly the skew before the root is still in flight, not one ended before', () => {
    const p1 = probeAt(1, 0, 100 - SKEW);
    const p2 = probeAt(2, 10, 100 - SKEW - 0.5);
    assert.deepEqual(causes([p1, p2], [root('payment', '1', [100, 110])]), [['1 entry'], []]);
  });

  test('probes sent as far from the root on both sides: the first probe’s entry, each used once', () => {
    const late = probeAt(1, 100 + SKEW, 400);
    const early = probeAt(2, 100 - SKEW, 400);
    const roots = [root('payment', '1', [100, 110]), root('payment', '2', [101, 111])];
    assert.deepEqual(causes([late, early], roots), [['1 entry'], ['2 entry']]);
    assert.deepEqual(causes([early, late], roots), [['1 entry'], ['2 entry']]);
  });
});

describe('rule 3: the unrelated requests kept as callers', () => {
  test('those that ended are dropped before the newest are kept, so a long one stays a caller', () => {
    // legacy's long request L (no probe's), then 999 short requests of legacy and one more just
    // after they ended: at most 1,000 unrelated requests are kept, the ended ones dropped first,
    // so L is still kept when payment's root Y begins inside it, and Y is nobody's doing (L
    // called it). Had the ended ones been kept, L would have been cut, and Y blamed on the entry
    // of the probe in flight.
    const p1 = probeAt(1, 10.55, 400);
    const spans = [root('legacy', 'f0000', [0, 100])];
    for (let index = 0; index < 999; index += 1)
      spans.push(root('legacy', `e${String(index).padStart(4, '0')}`, [10, 10]));
    spans.push(root('legacy', 'd0000', [10.5, 10.5]), root('payment', 'c0000', [10.6, 10.7]));
    const analysis = analyzeRun({
      probes: [p1],
      spans,
      expectServices: [],
      header: 'traceparent',
      maxClockSkewMs: 0,
    });
    assert.deepEqual(analysis.probes[0]!.breaks, []);
  });
});
