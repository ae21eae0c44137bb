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
