// The edges of a probe's trace: one per caller, callee and state, each with its earliest call,
// in call order; the entry edge named after the service that joined.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PROBE_SPAN, healthy, span, verify } from '../helpers/target-spans';

const edges = (v: ReturnType<typeof verify>) =>
  v.sample.edges.map(
    (e) =>
      `${e.from}->${e.to} ${e.call} ${e.broken ? 'broken' : 'ok'}${e.external ? ' external' : ''}`,
  );

describe('probe edges', () => {
  test('two calls checkout -> payment: one edge, with the earlier call, listed by time', () => {
    const spans = healthy();
    const later = span('checkout', 'client', 'c000000000000005', 'c000000000000001', [1040, 1060], {
      attributes: {
        'http.request.method': 'GET',
        'url.full': 'http://127.0.0.1:9002/late',
        'server.port': 9002,
      },
    });
    const laterAnswer = span('payment', 'server', 'p000000000000005', later.spanId, [1041, 1059]);
    const earlier = span(
      'checkout',
      'client',
      'c000000000000004',
      'c000000000000001',
      [1002, 1008],
      {
        attributes: {
          'http.request.method': 'GET',
          'url.full': 'http://127.0.0.1:9002/early',
          'server.port': 9002,
        },
      },
    );
    const earlierAnswer = span(
      'payment',
      'server',
      'p000000000000004',
      earlier.spanId,
      [1003, 1007],
    );
    // Exported out of order: the later call first.
    const verification = verify([
      spans[0]!,
      later,
      laterAnswer,
      spans[1]!,
      spans[2]!,
      earlier,
      earlierAnswer,
    ]);
    assert.deepEqual(edges(verification), [
      'probe->checkout  ok',
      'checkout->payment GET http://127.0.0.1:9002/early ok',
    ]);
  });

  test('the entry edge carries the request and comes first even when a span starts before the probe', () => {
    const spans = healthy().map((s) => ({ ...s, startTimeMs: s.startTimeMs - 2 }));
    const verification = verify(spans, { request: 'GET http://127.0.0.1:9001/checkout' });
    assert.deepEqual(edges(verification), [
      'probe->checkout GET http://127.0.0.1:9001/checkout ok',
      'checkout->payment POST http://127.0.0.1:9002/pay ok',
    ]);
  });

  test('the entry did not join and no span tells who: probe -> target, broken', () => {
    const spans = healthy().slice(1);
    const verification = verify(spans);
    assert.equal(edges(verification)[0], 'probe->target  broken');
  });

  test('a healthy call and a broken one between the same services are two edges', () => {
    const spans = healthy();
    const lost = span('checkout', 'client', 'c000000000000006', 'c000000000000001', [1020, 1030], {
      attributes: {
        'http.request.method': 'GET',
        'url.full': 'http://127.0.0.1:9002/lost',
        'server.port': 9002,
      },
    });
    const verification = verify([...spans, lost]);
    assert.deepEqual(edges(verification), [
      'probe->checkout  ok',
      'checkout->payment POST http://127.0.0.1:9002/pay ok',
      'checkout->payment GET http://127.0.0.1:9002/lost broken',
    ]);
  });

  test('a declared external call is its own edge, never broken', () => {
    const spans = healthy();
    const external = span(
      'checkout',
      'client',
      'c000000000000007',
      'c000000000000001',
      [1020, 1030],
      {
        attributes: {
          'http.request.method': 'GET',
          'url.full': 'http://api.example:443/x',
          'server.address': 'api.example',
          'server.port': 443,
        },
      },
    );
    const verification = verify([...spans, external], {
      externalCalls: [{ kind: 'host', host: 'api.example', port: undefined }],
    });
    assert.ok(
      edges(verification).some((e) => e.endsWith('ok external')),
      edges(verification).join('\n'),
    );
  });
});

void PROBE_SPAN;

// Answered edges are kept per pair of services in a typed array up to 256 services, in a map
// past that: the same edges, with the earliest answer and in call order, either way.
describe('probe edges of many services', () => {
  for (const services of [30, 300]) {
    test(`a chain of ${services} services: one edge per hop, the earliest answer, in order`, () => {
      const id = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(15, '0')}`;
      const spans = [span('svc-0', 'server', id('a', 0), PROBE_SPAN, [1001, 1099])];
      for (let hop = 0; hop + 1 < services; hop += 1) {
        const at = 1001 + hop * 0.1;
        spans.push(
          span(`svc-${hop}`, 'client', id('b', hop), id('a', hop), [at + 0.05, 2098 - at], {
            name: `call-${hop}`,
          }),
          span(`svc-${hop + 1}`, 'server', id('a', hop + 1), id('b', hop), [at + 0.1, 2098 - at]),
        );
      }
      // A second call svc-5 -> svc-6, answered earlier than the first: its call is the edge's.
      spans.push(
        span('svc-5', 'client', id('c', 5), id('a', 5), [1001.56, 1090], { name: 'early' }),
        span('svc-6', 'server', id('d', 6), id('c', 5), [1001.58, 1089]),
      );
      const expected = ['probe->svc-0  ok'];
      for (let hop = 0; hop + 1 < services; hop += 1) {
        expected.push(`svc-${hop}->svc-${hop + 1} ${hop === 5 ? 'early' : `call-${hop}`} ok`);
      }
      assert.deepEqual(edges(verify(spans)), expected);
    });
  }
});
