// The edges of a probe's trace, rule by rule (src/verify/edges.ts): which spans make an answered
// edge, which call names an edge when several share it, and the edges of broken entries and
// broken-off calls.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SpanRecord } from '../../src/verify/types';
import { PROBE_SPAN, healthy, span, verify } from '../helpers/target-spans';

const edges = (spans: SpanRecord[]) =>
  verify(spans).sample.edges.map(
    (e) =>
      `${e.from}->${e.to} ${e.call} ${e.broken ? 'broken' : 'ok'}${e.external ? ' external' : ''}`,
  );

/** A client span of checkout (under its entry span) to `url` in [start, start + 10]. */
function call(spanId: string, url: string, start: number, extra: Partial<SpanRecord> = {}) {
  return span('checkout', 'client', spanId, 'c000000000000001', [start, start + 10], {
    attributes: {
      'http.request.method': 'GET',
      'url.full': url,
      'server.port': Number(new URL(url).port),
    },
    ...extra,
  });
}

describe('answered edges', () => {
  test('a call answered the very millisecond the probe started still follows the entry edge', () => {
    const spans = healthy().map((s) => ({ ...s, startTimeMs: s.startTimeMs - 11 }));
    assert.equal(spans[2]!.startTimeMs, 1000);
    assert.deepEqual(edges(spans), [
      'probe->checkout  ok',
      'checkout->payment POST http://127.0.0.1:9002/pay ok',
    ]);
  });

  test('the client span exported first of its trace still makes its answer an edge', () => {
    const [entry, client, answer] = healthy();
    assert.deepEqual(edges([client!, answer!, entry!]), [
      'probe->checkout  ok',
      'checkout->payment POST http://127.0.0.1:9002/pay ok',
    ]);
  });

  test('one caller answered by two services: an edge to each', () => {
    const stock = call('c000000000000003', 'http://127.0.0.1:9003/stock', 1030);
    const answer = span('inventory', 'server', 'i000000000000001', stock.spanId, [1031, 1039]);
    assert.deepEqual(edges([...healthy(), stock, answer]), [
      'probe->checkout  ok',
      'checkout->payment POST http://127.0.0.1:9002/pay ok',
      'checkout->inventory GET http://127.0.0.1:9003/stock ok',
    ]);
  });

  test('an internal span under a client span answers no call: no edge of it', () => {
    const dns = span('checkout', 'internal', 'c000000000000009', 'c000000000000002', [1010, 1011]);
    assert.deepEqual(edges([...healthy(), dns]), [
      'probe->checkout  ok',
      'checkout->payment POST http://127.0.0.1:9002/pay ok',
    ]);
  });

  test('a server span whose parent is a server span (no client span between) is no call edge', () => {
    const [entry] = healthy();
    const direct = span('payment', 'server', 'p000000000000001', entry!.spanId, [1011, 1079]);
    assert.deepEqual(edges([entry!, direct]), ['probe->checkout  ok']);
  });

  test('two answers of the same call pair: the earlier call names the edge, in any export order', () => {
    const [entry] = healthy();
    const early = call('c000000000000003', 'http://127.0.0.1:9002/early', 1020);
    const late = call('c000000000000004', 'http://127.0.0.1:9002/late', 1050);
    const answer = (client: SpanRecord, id: string, start: number) =>
      span('payment', 'server', id, client.spanId, [start, start + 5]);
    const earlyAnswer = answer(early, 'p000000000000003', 1021);
    const lateAnswer = answer(late, 'p000000000000004', 1051);
    const expected = [
      'probe->checkout  ok',
      'checkout->payment GET http://127.0.0.1:9002/early ok',
    ];
    assert.deepEqual(edges([entry!, early, earlyAnswer, late, lateAnswer]), expected);
    assert.deepEqual(edges([entry!, late, lateAnswer, early, earlyAnswer]), expected);
    // Both answered at the same millisecond: the one exported first.
    const tied = { ...lateAnswer, startTimeMs: 1021 };
    assert.deepEqual(edges([entry!, late, tied, early, earlyAnswer]), [
      'probe->checkout  ok',
      'checkout->payment GET http://127.0.0.1:9002/late ok',
    ]);
  });
});

describe('broken edges', () => {
  test('two unanswered calls to one address: the earlier names the edge, in any export order', () => {
    const [entry] = healthy();
    const early = call('c000000000000003', 'http://127.0.0.1:9003/early', 1020);
    const late = call('c000000000000004', 'http://127.0.0.1:9003/late', 1050);
    const expected = [
      'probe->checkout  ok',
      'checkout->127.0.0.1:9003 GET http://127.0.0.1:9003/early broken',
    ];
    assert.deepEqual(edges([entry!, early, late]), expected);
    assert.deepEqual(edges([entry!, late, early]), expected);
    // Both sent at the same millisecond: the one exported first.
    assert.deepEqual(edges([entry!, { ...late, startTimeMs: 1020 }, early]), [
      'probe->checkout  ok',
      'checkout->127.0.0.1:9003 GET http://127.0.0.1:9003/late broken',
    ]);
  });

  test('the entry answered in a trace of its own: probe -> the entry service, broken', () => {
    const [entry, client, answer] = healthy();
    const other = '2'.repeat(32);
    const restarted = [
      { ...entry!, traceId: other, parentSpanId: undefined, parentIsRemote: undefined },
      { ...client!, traceId: other },
      { ...answer!, traceId: other },
    ];
    assert.equal(edges(restarted)[0], 'probe->checkout  broken');
  });

  test('checkout lost the context before its call: checkout -> payment, broken, and answered', () => {
    const [entry, client, answer] = healthy();
    const other = '3'.repeat(32);
    const spans = [
      entry!,
      { ...client!, traceId: other, parentSpanId: undefined },
      { ...answer!, traceId: other },
    ];
    assert.deepEqual(edges(spans), [
      'probe->checkout  ok',
      'checkout->payment POST http://127.0.0.1:9002/pay broken',
      'checkout->payment POST http://127.0.0.1:9002/pay ok',
    ]);
  });
});

void PROBE_SPAN;
