// The trace graph and the attribute readers every target check relies on.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  buildTraceGraph,
  callHost,
  describeCall,
  describeServerCall,
  parentAt,
  parentOf,
  serverPath,
  spanPort,
} from '../../src/verify/trace-graph';
import { keyInto } from '../../src/verify/id-table';
import type { SpanRecord } from '../../src/verify/types';
import { healthy, PROBE_TRACE, span } from '../helpers/target-spans';

function withAttributes(attributes: SpanRecord['attributes'], kind: SpanRecord['kind'] = 'client') {
  return span('svc', kind, 'a000000000000001', undefined, [0, 1], { name: 'op', attributes });
}

describe('trace graph', () => {
  test('indexes spans by id and the calls a server span answered', () => {
    const spans = healthy();
    const graph = buildTraceGraph(PROBE_TRACE, spans);
    assert.deepEqual(
      spans.map((s) => graph.indexOf(s.spanId)),
      [0, 1, 2],
    );
    assert.equal(graph.indexOf('aaaaaaaaaaaaaaaa'), -1, 'the probe is not in the trace');
    assert.deepEqual([...graph.parents], [-1, 0, 1]);
    assert.deepEqual(
      spans.map((_, position) => graph.isAnswered(position)),
      [false, true, false],
    );
    assert.equal(graph.collisions.size, 0);
    assert.equal(parentOf(graph, healthy()[2]!)?.spanId, 'c000000000000002');
    assert.equal(parentOf(graph, healthy()[0]!), undefined, 'the probe is not in the trace');
    assert.equal(parentOf(graph, withAttributes({})), undefined, 'a root');
  });

  test('ids that are not 16 hex digits (an empty one included) are found, once each', () => {
    const ids = ['', 'x', 'not-hex-at-all!!', 'A000000000000001'];
    const spans = ids.map((id) => span('svc', 'internal', id, undefined, [0, 1]));
    const graph = buildTraceGraph(PROBE_TRACE, [...spans, ...spans]);
    assert.deepEqual(
      ids.map((id) => graph.indexOf(id)),
      [0, 1, 2, 3],
    );
    assert.equal(graph.collisions.size, 0, 'a span sent twice by its service is one span');
  });

  test('a client span is not an answer; only a server span is', () => {
    const spans = healthy();
    spans.push(span('payment', 'client', 'p000000000000002', 'p000000000000001', [1020, 1030]));
    const graph = buildTraceGraph(PROBE_TRACE, spans);
    assert.ok(!graph.isAnswered(graph.indexOf('p000000000000001')));
  });

  test('an id exported twice keeps its first span; from two services it is a collision', () => {
    const [entry] = healthy();
    const again = { ...entry!, endTimeMs: 2000 };
    const twice = buildTraceGraph(PROBE_TRACE, [entry!, again]);
    assert.equal(twice.indexOf(entry!.spanId), 0);
    assert.equal(twice.collisions.size, 0);
    const other = { ...entry!, service: 'ledger' };
    const third = { ...entry!, service: 'audit' };
    const collided = buildTraceGraph(PROBE_TRACE, [entry!, other, { ...other }, third]);
    assert.equal(collided.indexOf(entry!.spanId), 0, 'the first is kept');
    assert.deepEqual(collided.collisions.get(entry!.spanId), ['checkout', 'ledger', 'audit']);
  });

  // Span ids and service names are chosen by the services under test. Listed with a scan per
  // span, 200,000 services exporting one id take about 2e10 comparisons (minutes, in one
  // synchronous turn the run's deadline cannot interrupt). The bound is a hang guard.
  test(
    'one id exported by 200,000 services (400,000 spans): a collision listing each once, built linearly',
    {
      timeout: 60_000,
    },
    () => {
      const [entry] = healthy();
      const count = 400_000;
      const spans = Array.from({ length: count }, (_, index) => ({
        ...entry!,
        service: `svc-${index % (count / 2)}`,
      }));
      const graph = buildTraceGraph(PROBE_TRACE, spans);
      const services = graph.collisions.get(entry!.spanId)!;
      assert.equal(services.length, count / 2);
      assert.equal(new Set(services).size, count / 2);
      assert.equal(services[0], 'svc-0');
    },
  );

  test('a call exported twice is answered in both copies; a parent resolves to the first', () => {
    const [entry, client, answer] = healthy();
    const again = { ...client!, endTimeMs: 1085 };
    const graph = buildTraceGraph(PROBE_TRACE, [entry!, client!, again, answer!]);
    assert.deepEqual([graph.isAnswered(1), graph.isAnswered(2)], [true, true]);
    assert.deepEqual([...graph.parents], [-1, 0, 0, 1]);
  });

  test('many spans: every parent resolves by position, a missing one to -1', () => {
    const spans: SpanRecord[] = [];
    for (let index = 0; index < 5000; index += 1) {
      const id = (index + 1).toString(16).padStart(16, '0');
      const parent =
        index === 0
          ? undefined
          : index + 1 === 4000
            ? 'ffffffffffffffff'
            : Math.ceil(index / 2)
                .toString(16)
                .padStart(16, '0');
      spans.push(span('svc', index % 2 ? 'client' : 'server', id, parent, [0, 1]));
    }
    const graph = buildTraceGraph(PROBE_TRACE, spans);
    spans.forEach((s, position) => {
      const expected =
        s.parentSpanId === undefined ? -1 : spans.findIndex((p) => p.spanId === s.parentSpanId);
      assert.equal(graph.parents[position], expected);
    });
    assert.equal(graph.indexOf('0000000000000000'), -1);
  });
});

test('random ids, repeats and non-hex ids: positions, parents and answers as a naive index says', () => {
  let seed = 7;
  const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const pool = Array.from({ length: 300 }, (_, index) =>
    index % 10 === 0
      ? `id-${index}`
      : Math.floor(random() * 2 ** 52)
          .toString(16)
          .padStart(16, '0'),
  );
  for (let round = 0; round < 20; round += 1) {
    const spans = Array.from({ length: 400 }, () => {
      const kind = random() < 0.5 ? 'server' : 'client';
      const parent = random() < 0.1 ? undefined : pool[Math.floor(random() * pool.length)];
      return span('svc', kind, pool[Math.floor(random() * pool.length)]!, parent, [0, 1]);
    });
    const graph = buildTraceGraph(PROBE_TRACE, spans);
    const first = (id: string): number => spans.findIndex((s) => s.spanId === id);
    const answered = new Set(
      spans.filter((s) => s.kind === 'server' && s.parentSpanId).map((s) => s.parentSpanId),
    );
    spans.forEach((s, position) => {
      assert.equal(graph.indexOf(s.spanId), first(s.spanId));
      assert.equal(
        graph.parents[position],
        s.parentSpanId === undefined ? -1 : first(s.parentSpanId),
      );
      assert.equal(graph.isAnswered(position), answered.has(s.spanId));
    });
  }
});

describe('attribute readers', () => {
  test('ports: stable conventions first, then the older ones; a server span its own port', () => {
    // A client (or any span but a server span) names the port it called as net.peer.port.
    for (const kind of ['client', 'producer', 'consumer', 'internal'] as const) {
      const port = (attributes: SpanRecord['attributes']) =>
        spanPort(withAttributes(attributes, kind));
      assert.equal(port({ 'server.port': 1, 'net.peer.port': 2 }), 1, kind);
      assert.equal(port({ 'net.peer.port': '2', 'net.host.port': 3 }), 2, kind);
      assert.equal(port({ 'net.host.port': 3 }), 3, kind);
      assert.equal(port({}), undefined, kind);
    }
    // Old HTTP conventions: a server span's net.peer.port is its caller's ephemeral port.
    const server = (attributes: SpanRecord['attributes']) =>
      spanPort(withAttributes(attributes, 'server'));
    assert.equal(server({ 'server.port': 1, 'net.peer.port': 2, 'net.host.port': 3 }), 1);
    assert.equal(server({ 'net.peer.port': 51234, 'net.host.port': '9002' }), 9002);
    assert.equal(server({ 'net.peer.port': 51234 }), undefined);
    assert.equal(server({}), undefined);
    assert.equal(callHost(withAttributes({ 'net.peer.name': 'b', 'net.host.name': 'c' })), 'b');
    assert.equal(callHost(withAttributes({ 'net.host.name': 'c' })), 'c');
  });

  test('a call is described by method and URL, else host and port, else its name', () => {
    assert.equal(
      describeCall(withAttributes({ 'http.method': 'PUT', 'http.url': 'http://x/y' })),
      'PUT http://x/y',
    );
    assert.equal(describeCall(withAttributes({ 'server.address': 'h', 'server.port': 8 })), 'h:8');
    assert.equal(describeCall(withAttributes({ 'server.port': 8 })), '8');
    assert.equal(describeCall(withAttributes({})), 'op');
  });

  test('a server span is described by method and path, the query dropped', () => {
    assert.equal(serverPath(withAttributes({ 'http.target': '/a?b=c' }, 'server')), '/a');
    assert.equal(serverPath(withAttributes({ 'http.route': '/r' }, 'server')), '/r');
    assert.equal(serverPath(withAttributes({}, 'server')), undefined);
    assert.equal(
      describeServerCall(withAttributes({ 'http.method': 'GET', 'url.path': '/p' }, 'server')),
      'GET /p',
    );
    assert.equal(describeServerCall(withAttributes({}, 'server')), 'op');
  });
});

// Ids that look alike to the id table's keys (16 hex digits are their own key, others hashed)
// must still be told apart: a parent confused with another span would join the wrong call.
describe('trace graph: ids that share or nearly share a key', () => {
  /** Spans with these ids, each the child (internal) of the one before, in one service. */
  function chainOf(ids: readonly string[]): SpanRecord[] {
    return ids.map((id, at) =>
      span('svc', 'internal', id, at === 0 ? undefined : ids[at - 1], [0, 1]),
    );
  }

  function assertDistinct(ids: readonly string[]): void {
    const spans = chainOf(ids);
    const graph = buildTraceGraph(PROBE_TRACE, spans);
    assert.deepEqual(
      ids.map((id) => graph.indexOf(id)),
      ids.map((_, at) => at),
      `each of ${JSON.stringify(ids)} is its own span`,
    );
    assert.deepEqual(
      [...graph.parents],
      ids.map((_, at) => at - 1),
    );
    assert.deepEqual(
      spans.map((s) => parentOf(graph, s)?.spanId),
      ids.map((_, at) => ids[at - 1]),
    );
    assert.deepEqual(
      spans.map((_, at) => parentAt(graph, at)?.spanId),
      ids.map((_, at) => ids[at - 1]),
    );
  }

  test('upper-case hex is not the lower-case id (nor one of 1s)', () => {
    assertDistinct(['ffffffffffffffff', 'FFFFFFFFFFFFFFFF', '1111111111111111']);
    assertDistinct(['FFFFFFFFFFFFFFFF', '1111111111111111', 'ffffffffffffffff']);
    assertDistinct(['FFFFFFFFFFFFFFFF', 'AAAAAAAAAAAAAAAA', 'ffffffffffffffff']);
  });

  test('a 16-character id with a non-ASCII character is not the hex id of zeros or ones', () => {
    assertDistinct(['0000000000000000', '\u00e9000000000000000'.slice(0, 16), '1000000000000000']);
    assertDistinct(['0000000000000000', '00000000\u00e90000000', '0000000010000000']);
  });

  test('ids that share one 32-bit half are told apart by the other', () => {
    const digits = '0123456789abcdef';
    const sameLow = [...digits].map((d) => `${d.repeat(8)}00000001`);
    const sameHigh = [...digits].map((d) => `00000001${d.repeat(8)}`);
    assertDistinct(sameLow);
    assertDistinct(sameHigh);
    assertDistinct([...sameLow, ...sameHigh]);
  });

  test('a 32-digit hex id is not its 16-digit prefix', () => {
    const long = '0123456789abcdef0123456789abcdef';
    assertDistinct([long.slice(0, 16), long]);
    assertDistinct([long, long.slice(0, 16)]);
    assertDistinct([long, `${long.slice(0, 16)}${'f'.repeat(16)}`]);
  });

  /** The 16 hex digits of the key the id table gives a non-hex id (two hashes of its text). */
  function hexOfHashedKey(id: string): string {
    const key = new Int32Array(2);
    assert.equal(keyInto(id, key, 0), false, 'a hashed key');
    const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
    return hex(key[0]!) + hex(key[1]!);
  }

  test('a hex id equal to the hashed key of another id is still another span', () => {
    for (const named of ['checkout-span', 'x', '']) {
      const twin = hexOfHashedKey(named);
      assertDistinct(['a000000000000001', named, twin]);
      assertDistinct(['a000000000000001', twin, named]);
      assertDistinct([twin, 'a000000000000001', named]);
      assertDistinct([named, 'a000000000000001', twin]);
    }
  });

  test('hundreds of spans: every parent resolves to its own span, none to a neighbour', () => {
    const ids = Array.from({ length: 600 }, (_, at) =>
      at % 3 === 0 ? `span-${at}` : ((at * 0x9e3779b1) >>> 0).toString(16).padStart(16, '0'),
    );
    assertDistinct(ids);
    const graph = buildTraceGraph(PROBE_TRACE, chainOf(ids));
    assert.equal(graph.indexOf('span-1'), -1);
    assert.equal(graph.indexOf('ffffffffffffffff'), -1);
  });

  test('past 4,096 spans (own buffers) and at 50,000: the same answers as a small graph', () => {
    for (const count of [5_000, 50_000]) {
      const ids = Array.from({ length: count }, (_, at) =>
        at % 7 === 0 ? `span-${at}` : ((at * 0x9e3779b1) >>> 0).toString(16).padStart(16, '0'),
      );
      assertDistinct(ids);
      const spans = chainOf(ids);
      const again = { ...spans[count - 1]!, service: 'other' };
      const graph = buildTraceGraph(PROBE_TRACE, [...spans, again]);
      assert.equal(graph.indexOf(again.spanId), count - 1, 'the first span of an id wins');
      assert.deepEqual([...graph.collisions], [[again.spanId, ['svc', 'other']]]);
      assert.equal(graph.indexOf('span-1'), -1);
    }
  });

  test('a span is answered only by a server child, not by an internal or client one', () => {
    const spans = [
      span('svc', 'client', 'a000000000000001', undefined, [0, 10]),
      span('svc', 'internal', 'a000000000000002', 'a000000000000001', [1, 9]),
      span('svc', 'client', 'a000000000000003', 'a000000000000001', [1, 9]),
      span('svc', 'client', 'a000000000000004', undefined, [0, 10]),
      span('other', 'server', 'b000000000000001', 'a000000000000004', [1, 9]),
    ];
    const graph = buildTraceGraph(PROBE_TRACE, spans);
    assert.deepEqual(
      spans.map((_, at) => graph.isAnswered(at)),
      [false, false, false, true, false],
    );
  });
});
