import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startReceiver, type Receiver } from '../../src/receiver';
import type { SpanRecord } from '../../src/verify/types';
import { IO_TIMEOUT_MS, PARENT_ID, TRACE_ID, runExporterFixture, type FixtureIds } from './helpers';

// Times the fixture sets, as [seconds, nanoseconds], converted the way the in-process path does.
const ms = (seconds: number, nanos: number) => seconds * 1000 + nanos / 1e6;

function expectedSpans(service: string, ids: FixtureIds): SpanRecord[] {
  return [
    {
      traceId: TRACE_ID,
      spanId: ids.client.spanId,
      parentSpanId: ids.server.spanId,
      parentIsRemote: false,
      name: 'SELECT',
      kind: 'client',
      service,
      startTimeMs: ms(1700000000, 200000000),
      endTimeMs: ms(1700000000, 300000000),
      attributes: {},
      sampled: true,
    },
    {
      traceId: TRACE_ID,
      spanId: ids.server.spanId,
      parentSpanId: PARENT_ID,
      parentIsRemote: true,
      name: 'GET /work',
      kind: 'server',
      service,
      startTimeMs: ms(1700000000, 123456789),
      endTimeMs: ms(1700000000, 400000001),
      attributes: {
        'http.request.method': 'GET',
        'server.port': 8080,
        retried: false,
        tags: 'a,b',
      },
      sampled: true,
    },
    {
      traceId: ids.root.traceId,
      spanId: ids.root.spanId,
      parentSpanId: undefined,
      parentIsRemote: undefined,
      name: 'startup',
      kind: 'internal',
      service,
      startTimeMs: ms(1700000001, 0),
      endTimeMs: ms(1700000001, 5),
      attributes: {},
      // Span.flags carries the sampled bit of each span's own trace flags (all sampled here).
      sampled: true,
    },
  ];
}

/** Times agree to a microsecond: a double near 1.7e12 ms cannot hold every nanosecond anyway. */
function assertSameSpans(actual: SpanRecord[], expected: SpanRecord[]): void {
  const byId = (spans: SpanRecord[]) => [...spans].sort((a, b) => a.spanId.localeCompare(b.spanId));
  const sortedActual = byId(actual);
  const sortedExpected = byId(expected);
  assert.equal(sortedActual.length, sortedExpected.length, JSON.stringify(actual, null, 2));
  sortedActual.forEach((span, index) => {
    const want = sortedExpected[index]!;
    assert.ok(Math.abs(span.startTimeMs - want.startTimeMs) < 0.001, `${span.name} start`);
    assert.ok(Math.abs(span.endTimeMs - want.endTimeMs) < 0.001, `${span.name} end`);
    assert.deepEqual(
      { ...span, startTimeMs: 0, endTimeMs: 0 },
      { ...want, startTimeMs: 0, endTimeMs: 0 },
    );
  });
}

describe('real OTLP exporters in separate processes', () => {
  let receiver: Receiver;

  before(async () => {
    receiver = await startReceiver({ host: '127.0.0.1', httpPort: 0, grpcPort: 0 });
  });
  after(async () => {
    await receiver.close();
  });

  const cases = [
    ['proto', '@opentelemetry/exporter-trace-otlp-proto (OTLP/HTTP protobuf)'],
    ['json', '@opentelemetry/exporter-trace-otlp-http (OTLP/HTTP JSON)'],
    ['grpc', '@opentelemetry/exporter-trace-otlp-grpc (OTLP/gRPC)'],
  ] as const;
  for (const [protocol, title] of cases) {
    test(`${title}: exactly the exported spans arrive, with ids, kinds, parents and times`, async () => {
      const service = `fixture-${protocol}`;
      const endpoint = protocol === 'grpc' ? receiver.grpcUrl! : receiver.httpUrl;
      const before = receiver.stats();
      const ids = await runExporterFixture(protocol, endpoint, service);

      // The fixture flushed before exiting, so the spans are here; the bounded wait guards that.
      const waited = await receiver.waitFor({
        services: [service],
        minSpans: before.acceptedSpans + 3,
        timeoutMs: IO_TIMEOUT_MS,
      });
      assert.equal(waited.outcome, 'satisfied');
      const spans = receiver.spans().filter((span) => span.service === service);
      assertSameSpans(spans, expectedSpans(service, ids));

      const stats = receiver.stats();
      assert.equal(stats.acceptedSpans - before.acceptedSpans, 3);
      assert.equal(stats.rejectedSpans, before.rejectedSpans);
      assert.equal(stats.failedRequests, before.failedRequests);
      const transport = protocol === 'grpc' ? 'grpcRequests' : 'httpRequests';
      assert.equal(stats[transport] - before[transport], 1);
    });
  }

  test('every service that exported is listed once', () => {
    assert.deepEqual(receiver.services().sort(), ['fixture-grpc', 'fixture-json', 'fixture-proto']);
  });
});
