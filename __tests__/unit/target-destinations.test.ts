// Where calls go (src/verify/destinations.ts) and the edges drawn from them (src/verify/edges.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callAddress, calleeOf, isExternal, listenersOf } from '../../src/verify/destinations';
import { verifyTarget } from '../../src/verify/target';
import type { ExternalCall } from '../../src/verify/target-types';
import type { SpanRecord } from '../../src/verify/types';
import { healthy, probe, span } from '../helpers/target-spans';

function client(attributes: SpanRecord['attributes'], service = 'checkout'): SpanRecord {
  return span(service, 'client', 'c0000000000000c1', 'c000000000000001', [1, 2], {
    name: 'GET',
    attributes,
  });
}

describe('destinations', () => {
  test('the address of a call: from its URL, else host and port, else its name', () => {
    assert.equal(callAddress(client({ 'url.full': 'https://Pay.test:8443/x?y' })), 'pay.test:8443');
    assert.equal(callAddress(client({ 'http.url': 'http://a.test/x' })), 'a.test');
    assert.equal(
      callAddress(
        client({ 'url.full': 'not a url', 'server.address': 'b.test', 'server.port': 81 }),
      ),
      'b.test:81',
    );
    assert.equal(callAddress(client({ 'net.peer.name': 'c.test' })), 'c.test');
    assert.equal(callAddress(client({ 'net.peer.port': 82 })), 'port 82');
    assert.equal(callAddress(client({})), 'GET');
  });

  test('who listens where: one known service at a port, never the caller itself', () => {
    const { listeners, spanCounts, clientServices } = listenersOf([
      ...healthy(),
      span('ledger', 'server', 'l000000000000001', undefined, [1, 2], {
        attributes: { 'server.port': 9003 },
      }),
      span('audit', 'server', 'a000000000000001', undefined, [1, 2], {
        attributes: { 'server.port': 9003 },
      }),
      span('noport', 'server', 'n000000000000001', undefined, [1, 2], {
        attributes: { 'server.port': 'x' },
      }),
    ]);
    assert.deepEqual([...listeners.keys()].sort(), [9002, 9003]);
    assert.equal(spanCounts.get('checkout'), 2);
    assert.deepEqual([...clientServices], ['checkout']);
    assert.equal(calleeOf(client({ 'server.port': 9002 }), listeners), 'payment');
    assert.equal(calleeOf(client({ 'server.port': 9003 }), listeners), undefined, 'two services');
    assert.equal(calleeOf(client({ 'server.port': 9004 }), listeners), undefined);
    assert.equal(calleeOf(client({}), listeners), undefined);
    assert.equal(calleeOf(client({ 'server.port': 9002 }, 'payment'), listeners), undefined);
  });

  const cases: [string, SpanRecord['attributes'], ExternalCall, boolean][] = [
    [
      'host from the URL',
      { 'url.full': 'http://API.test/x' },
      { kind: 'host', host: 'api.test', port: undefined },
      true,
    ],
    [
      'host from attributes',
      { 'server.address': 'API.test' },
      { kind: 'host', host: 'api.test', port: undefined },
      true,
    ],
    [
      'another host',
      { 'url.full': 'http://api2.test/x' },
      { kind: 'host', host: 'api.test', port: undefined },
      false,
    ],
    [
      'port from the URL',
      { 'url.full': 'http://api.test:81/x' },
      { kind: 'host', host: 'api.test', port: 81 },
      true,
    ],
    [
      'http default port',
      { 'url.full': 'http://api.test/x' },
      { kind: 'host', host: 'api.test', port: 80 },
      true,
    ],
    [
      'https default port',
      { 'url.full': 'https://api.test/x' },
      { kind: 'host', host: 'api.test', port: 443 },
      true,
    ],
    [
      'port attribute first',
      { 'url.full': 'http://api.test/x', 'server.port': 82 },
      { kind: 'host', host: 'api.test', port: 80 },
      false,
    ],
    [
      'IPv6 host',
      { 'url.full': 'http://[::1]:90/x' },
      { kind: 'host', host: '::1', port: 90 },
      true,
    ],
    [
      'URL prefix',
      { 'url.full': 'HTTP://api.test/v2/pay' },
      { kind: 'prefix', prefix: 'http://api.test/v2/' },
      true,
    ],
    [
      'another prefix',
      { 'url.full': 'http://api.test/v1/pay' },
      { kind: 'prefix', prefix: 'http://api.test/v2/' },
      false,
    ],
    [
      'a prefix without a URL',
      { 'server.address': 'api.test' },
      { kind: 'prefix', prefix: 'http://api.test/' },
      false,
    ],
    [
      'an unparsable URL',
      { 'url.full': '::' },
      { kind: 'host', host: 'api.test', port: undefined },
      false,
    ],
  ];
  for (const [name, attributes, external, expected] of cases) {
    test(`external-calls: ${name}`, () => {
      assert.equal(isExternal(client(attributes), [external]), expected);
    });
  }
  test('no external-calls: nothing is external', () => {
    assert.equal(isExternal(client({ 'url.full': 'http://api.test/' }), []), false);
  });
});

describe('edges', () => {
  test('the entry edge carries the request; an entry that did not join is a broken edge', () => {
    const verification = verifyTarget({
      probes: [probe],
      spans: healthy(),
      expectServices: [],
      header: 'traceparent',
      request: 'POST http://127.0.0.1:9001/checkout',
    });
    assert.deepEqual(verification.sample.edges[0], {
      from: 'probe',
      to: 'checkout',
      call: 'POST http://127.0.0.1:9001/checkout',
      broken: false,
    });
    const lost = verifyTarget({
      probes: [probe],
      spans: [],
      expectServices: [],
      header: 'traceparent',
    });
    assert.deepEqual(lost.sample.edges, [{ from: 'probe', to: 'target', call: '', broken: true }]);
  });

  test("an uninstrumented caller's edge and a service's lost deferred call are drawn broken", () => {
    const spans = healthy().slice(0, 1);
    spans.push(
      span('payment', 'server', 'p000000000000001', undefined, [1011, 1079], {
        traceId: '3'.repeat(32),
        attributes: { 'url.path': '/pay', 'http.request.method': 'POST' },
      }),
      span('checkout', 'client', 'c0000000000000f1', undefined, [1095, 1096], {
        traceId: '4'.repeat(32),
        attributes: { 'url.full': 'http://127.0.0.1:9005/audit' },
      }),
    );
    const verification = verifyTarget({
      probes: [probe],
      spans,
      expectServices: [],
      header: 'traceparent',
    });
    assert.deepEqual(
      verification.sample.edges.map((e) => `${e.from}->${e.to}:${e.call}:${e.broken}`),
      [
        'probe->checkout::false',
        'checkout->payment:POST /pay:true',
        'checkout->127.0.0.1:9005:http://127.0.0.1:9005/audit:true',
      ],
    );
  });
});
