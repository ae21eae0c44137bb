// Rule 0 of the attribution (src/verify/attribution.ts, `unrelatedCall`): which call of a request
// no probe sent explains a new root. Pinned before its scan was made to skip dead calls for good:
// the FIRST call in list order (not the nearest) that is free, of no attached trace, and whose
// window (with the skew) holds the root's start. Each choice is read from what a later root can
// still take: a root rule 0 cannot explain falls to rule 1 and is blamed on the probe's call.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeRun } from '../../src/verify/analysis';
import type { SpanRecord } from '../../src/verify/types';
import { healthy, probe, span } from '../helpers/target-spans';

/** The probe: checkout's call to payment (9002), [1010, 1080], nobody answered it. */
function probeCall(): SpanRecord[] {
  const [entry, call] = healthy();
  return [entry!, call!];
}

/**
 * A request no probe sent (a health check through gateway, a trace of its own `t`, begun before
 * the probe so that its own root is nobody's doing) and its call to `port`, [start, end].
 */
function otherCall(t: string, start: number, end: number, port = 9002): SpanRecord[] {
  const server = `${t}00000000000000s`;
  const traceId = t.repeat(32);
  return [
    span('gateway', 'server', server, undefined, [900, 1200], {
      traceId,
      attributes: { 'server.port': 9100 },
    }),
    span('gateway', 'client', `${t}00000000000000c`, server, [start, end], {
      traceId,
      attributes: { 'server.port': port },
    }),
  ];
}

/** A new root of payment (a trace of its own, `t`) listening on `port`, at `start`. */
function root(t: string, start: number, port = 9002): SpanRecord {
  return span('payment', 'server', `${t}00000000000000r`, undefined, [start, start + 2], {
    traceId: t.repeat(32),
    attributes: { 'server.port': port },
  });
}

/**
 * The breaks blamed on the probe, as `root-span call-span`; the same with one more root whose
 * start is no number (nobody's doing): the breaks are then not in start order, and rule 0 takes
 * its other path (a walk of the list, not the heap of begun calls).
 */
function blamed(spans: SpanRecord[], skew: number): string[] {
  const found = blamedIn(spans, skew);
  const nan = { ...root('z', 0, 9999), startTimeMs: Number.NaN, endTimeMs: Number.NaN };
  assert.deepEqual(blamedIn([...spans, nan], skew), found, 'breaks not in start order');
  return found;
}

function blamedIn(spans: SpanRecord[], skew: number): string[] {
  const analysis = analyzeRun({
    probes: [probe],
    spans,
    expectServices: [],
    header: 'traceparent',
    maxClockSkewMs: skew,
  });
  return analysis.probes[0]!.breaks.map(
    (b) => `${b.span.spanId} ${b.cause.kind === 'call' ? b.cause.call.client.spanId : ''}`,
  );
}

describe('rule 0 picks the first free call in list order', () => {
  test('not the nearest: the first call whose window holds the root', () => {
    // a [1000, 1060] listed before b [1025, 1090]; root d at 1030 (nearer b), e at 1070 (only b).
    const inOrder = [
      ...probeCall(),
      ...otherCall('a', 1000, 1060),
      ...otherCall('b', 1025, 1090),
      root('d', 1030),
      root('e', 1070),
    ];
    // d takes a (first), e takes b: both unrelated.
    assert.deepEqual(blamed(inOrder, 0), []);
    // b listed first: d takes b, and e (1070, after a ended) falls to rule 1.
    const swapped = [
      ...probeCall(),
      ...otherCall('b', 1025, 1090),
      ...otherCall('a', 1000, 1060),
      root('d', 1030),
      root('e', 1070),
    ];
    assert.deepEqual(blamed(swapped, 0), ['e00000000000000r c000000000000002']);
  });

  test('a used call explains no second root; the next free one does', () => {
    const one = [...probeCall(), ...otherCall('a', 1000, 1060), root('d', 1030), root('e', 1040)];
    assert.deepEqual(blamed(one, 0), ['e00000000000000r c000000000000002']);
    const two = [...one.slice(0, 4), ...otherCall('b', 1000, 1060), ...one.slice(4)];
    assert.deepEqual(blamed(two, 0), []);
  });

  test('a call out of the window is passed over, not a stop: a later one in the list still counts', () => {
    const spans = [
      ...probeCall(),
      ...otherCall('a', 1050, 1060),
      ...otherCall('b', 1000, 1020),
      ...otherCall('c', 1025, 1040),
      root('d', 1030),
    ];
    assert.deepEqual(blamed(spans, 0), []);
  });

  test('a call not in flight for several roots is still there for a later one', () => {
    // d takes a; e and f find b not begun (walking past the used a to it, each time); g takes b.
    const spans = [
      ...probeCall(),
      ...otherCall('a', 1000, 1010),
      ...otherCall('b', 1050, 1060),
      root('d', 1005),
      root('e', 1020),
      root('f', 1030),
      root('g', 1055),
    ];
    assert.deepEqual(blamed(spans, 0), ['e00000000000000r c000000000000002']);
  });

  test('a call to another path is set aside, not passed over: a later root on that path takes it', () => {
    // a (to /healthz) listed before b (to /pay): d on /pay takes b, then e on /healthz takes a.
    const to = (call: SpanRecord[], path: string): SpanRecord[] => [
      call[0]!,
      { ...call[1]!, attributes: { 'server.port': 9002, 'url.full': `http://pay:9002${path}` } },
    ];
    const on = (server: SpanRecord, path: string): SpanRecord => ({
      ...server,
      attributes: { ...server.attributes, 'url.path': path },
    });
    const spans = [
      ...probeCall(),
      ...to(otherCall('a', 1000, 1060), '/healthz'),
      ...to(otherCall('b', 1000, 1060), '/pay'),
      on(root('d', 1030), '/pay'),
      on(root('e', 1040), '/healthz'),
    ];
    assert.deepEqual(blamed(spans, 0), []);
  });

  test('window edges: start minus the skew and end plus the skew count, one past them not', () => {
    // The call [1040, 1060] with a skew of 10 holds [1030, 1070].
    const at = (start: number) =>
      blamed([...probeCall(), ...otherCall('a', 1040, 1060), root('d', start)], 10);
    assert.deepEqual(at(1029.5), ['d00000000000000r c000000000000002']);
    assert.deepEqual(at(1030), []);
    assert.deepEqual(at(1070), []);
    assert.deepEqual(at(1070.5), ['d00000000000000r c000000000000002']);
  });

  test('a call of a trace attached to a probe is skipped, and the next free call is taken', () => {
    // t (payment's root at 9003, 1031) is blamed on the probe's call to 9003 and attached; its
    // own call to 9004 then belongs to the probe. Root d (9004, 1045) cannot take it.
    const [entry] = healthy();
    const toPort = (id: string, port: number, window: [number, number]) =>
      span('checkout', 'client', id, entry!.spanId, window, {
        attributes: { 'server.port': port },
      });
    const base = [
      entry!,
      toPort('c000000000000003', 9003, [1030, 1060]),
      toPort('c000000000000004', 9004, [1020, 1090]),
      root('t', 1031, 9003),
      span('payment', 'client', 't00000000000000c', 't00000000000000r', [1040, 1070], {
        traceId: 't'.repeat(32),
        attributes: { 'server.port': 9004 },
      }),
    ];
    assert.deepEqual(blamed([...base, root('d', 1045, 9004)], 0), [
      't00000000000000r c000000000000003',
      // Rule 1, the nearest call to 9004: the attached trace's own (rule 0 passed it over).
      'd00000000000000r t00000000000000c',
    ]);
    // A free call listed after it explains d.
    assert.deepEqual(
      blamed([...base, ...otherCall('b', 1040, 1050, 9004), root('d', 1045, 9004)], 0),
      ['t00000000000000r c000000000000003'],
    );
  });
});

describe("a probe's attached traces", () => {
  test('a trace with two breaks blamed on one probe is attached once', () => {
    // t has two roots of payment (at 9002, then at 9003), each blamed on one of the probe's
    // calls: the second finds t in the probe's component already, and does not add it again.
    const [entry] = healthy();
    const toPort = (id: string, port: number) =>
      span('checkout', 'client', id, entry!.spanId, [1010, 1080], {
        attributes: { 'server.port': port },
      });
    const second = { ...root('t', 1040, 9003), spanId: 't00000000000001r' };
    const analysis = analyzeRun({
      probes: [probe],
      spans: [
        entry!,
        toPort('c000000000000002', 9002),
        toPort('c000000000000003', 9003),
        root('t', 1030, 9002),
        second,
      ],
      expectServices: [],
      header: 'traceparent',
      maxClockSkewMs: 0,
    });
    const [only] = analysis.probes;
    assert.deepEqual(
      only!.breaks.map((b) => b.span.spanId),
      ['t00000000000000r', 't00000000000001r'],
    );
    assert.deepEqual(
      only!.component.map((graph) => graph.traceId),
      [probe.traceId, 't'.repeat(32)],
    );
  });
});
