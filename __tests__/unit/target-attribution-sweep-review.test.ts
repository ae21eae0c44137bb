// Review of the rule 3 and rule 5 sweeps (s22-review): cases that pinned no mutant of the sweep
// code in the branch's tests, while a differential against the walk at 076861b told each
// mutant apart. Each passes at 076861b (the walk) and on the sweep; each fails on the mutant
// named in its title (a throwaway copy of src/verify/attribution-caller-index.ts,
// attribution-callers.ts or attribution-entry-index.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeRun } from '../../src/verify/analysis';
import type { SpanRecord } from '../../src/verify/types';
import { causes, root, served } from '../helpers/attribution-sweep';
import { probeAt, span } from '../helpers/target-spans';

describe('rule 3 by sweep, reviewed', () => {
  const p1 = { ...probeAt(1, 0, 1000), status: undefined };

  test('requests listed out of start order in the trace: the one in flight is still the caller (sweep not sorted)', () => {
    const spans = served(p1, [
      span('gateway', 'server', 'a000000000000001', 'x', [500, 600]),
      span('gateway', 'server', 'a000000000000002', 'x', [50, 150]),
    ]);
    assert.deepEqual(causes([p1], [...spans, root('payment', '1', [100, 110])]), [
      ['1 caller a000000000000002'],
    ]);
  });

  test('a request whose start is no number, listed first, hides no other (in-flight filter of the sweep removed)', () => {
    const spans = served(p1, [
      span('gateway', 'server', 'a000000000000001', 'x', [NaN, 600]),
      span('gateway', 'server', 'a000000000000002', 'x', [50, 150]),
    ]);
    assert.deepEqual(causes([p1], [...spans, root('payment', '1', [100, 110])]), [
      ['1 caller a000000000000002'],
    ]);
  });

  test('equal ranks, the later probe’s request begun first: still the first probe’s (ties to the first found)', () => {
    // Gaps: 50 + 40 for probe 1's request, 60 + 30 for probe 2's; both enclose the root.
    const p2 = { ...probeAt(2, 0, 1000), status: undefined };
    const spans = [
      ...served(p1, [span('gateway', 'server', 'a000000000000001', 'x', [50, 150])]),
      ...served(p2, [span('gateway', 'server', 'b000000000000001', 'x', [40, 140])]),
    ];
    assert.deepEqual(causes([p1, p2], [...spans, root('payment', '1', [100, 110])]), [
      ['1 caller a000000000000001'],
      [],
    ]);
  });

  test('an unrelated request that ended within the skew before a root is still its caller (expiry without the skew)', () => {
    // legacy's request (no probe's: it began before the probe was sent, beyond the skew) ended
    // 3 ms before payment's root: in flight within the skew, so the root is nobody's doing and
    // the unjoined entry of the probe is not blamed for it. An earlier request of legacy, ended
    // before the root (beyond the skew), makes the list of unrelated requests be swept then.
    const p = probeAt(1, 60, 1000);
    const world = (end: number): SpanRecord[] => [
      root('legacy', 'f0001', [20, 60]),
      root('legacy', 'f0000', [50, end]),
      root('payment', 'c0000', [100, 110]),
    ];
    assert.deepEqual(causes([p], world(97)), [[]]);
    // Past the skew, it is the probe's entry.
    assert.deepEqual(causes([p], world(94)), [['c0000 entry']]);
  });
  test('the cap of 1,000 unrelated requests cuts the oldest and forgets its service (per-service count not told of the cut)', () => {
    // 1,000 long requests of legacy (no probe's: sent before the probe), then one of gateway:
    // the cap cuts the oldest legacy request, so 999 of legacy and 1 of gateway are kept. A root
    // of legacy then has gateway's request as its caller (nobody's doing), not the probe's
    // entry. Had the count of legacy stayed 1,000, no request of another service would seem kept.
    const p = { ...probeAt(1, 15, 400) };
    const spans: SpanRecord[] = [];
    for (let index = 0; index < 1000; index += 1)
      spans.push(root('legacy', `e${String(index).padStart(4, '0')}`, [0, 1000]));
    spans.push(root('gateway', 'd0000', [10, 1000]), root('legacy', 'c0000', [20, 30]));
    const analysis = analyzeRun({
      probes: [p],
      spans,
      expectServices: [],
      header: 'traceparent',
      maxClockSkewMs: 0,
    });
    assert.deepEqual(analysis.probes[0]!.breaks, []);
  });
});

describe('rule 5 by sweep, reviewed', () => {
  test('probes listed out of the order they were sent: the one in flight is found (sweep not sorted)', () => {
    const late = probeAt(1, 500, 900);
    const early = probeAt(2, 50, 900);
    assert.deepEqual(causes([late, early], [root('payment', '1', [100, 110])]), [[], ['1 entry']]);
  });
});
