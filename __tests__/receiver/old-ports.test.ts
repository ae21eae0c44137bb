// Ports of old-convention spans through the receiver: OTLP/protobuf decoded and stored by the
// real `SpanStore`, whose `ports` column the verifier reads (column path) instead of the span
// objects. A server span of the old HTTP semantic conventions names its own port
// (`net.host.port`) and its caller's ephemeral one (`net.peer.port`): the column must hold the
// first, and the verdicts from the columns must be the ones from the span objects.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { protobufSource } from '../../src/receiver/decode-protobuf';
import { ingest } from '../../src/receiver/ingest';
import { SpanStore } from '../../src/receiver/span-store';
import { listenersOf } from '../../src/verify/destinations';
import { columnsOf } from '../../src/verify/span-columns';
import { verifyTarget, type TargetProbe } from '../../src/verify/target';
import type { SpanRecord } from '../../src/verify/types';
import { protobufRequest } from './helpers';

const TRACE = '11111111111111111111111111111111';
const NEW_TRACE = '77777777777777777777777777777777';
const PROBE_SPAN = 'aaaaaaaaaaaaaaaa';
const probe: TargetProbe = {
  index: 1,
  traceId: TRACE,
  spanId: PROBE_SPAN,
  startMs: 1000,
  endMs: 1100,
  status: 200,
  error: undefined,
};

type Attribute = { key: string; value: { stringValue: string } | { intValue: number } };
const str = (key: string, value: string): Attribute => ({ key, value: { stringValue: value } });
const int = (key: string, value: number): Attribute => ({ key, value: { intValue: value } });

/** An OTLP span (kind 2 server, 3 client) at [start, end] ms. */
function otlp(
  traceId: string,
  spanId: string,
  parentSpanId: string | undefined,
  kind: number,
  [start, end]: [number, number],
  attributes: Attribute[],
): Record<string, unknown> {
  return {
    traceId,
    spanId,
    parentSpanId,
    name: 'POST',
    kind,
    flags: 0x301,
    startTimeUnixNano: `${start}000000`,
    endTimeUnixNano: `${end}000000`,
    attributes,
  };
}

/** Old HTTP conventions: the port it listens on, and its caller's ephemeral port. */
const oldServer = (port: number, callerPort: number, path: string): Attribute[] => [
  str('http.method', 'POST'),
  str('http.target', path),
  int('net.host.port', port),
  int('net.peer.port', callerPort),
];

/** Old HTTP conventions: the URL and the port it called. */
const oldClient = (port: number, path: string): Attribute[] => [
  str('http.method', 'POST'),
  str('http.url', `http://127.0.0.1:${port}${path}`),
  str('net.peer.name', '127.0.0.1'),
  int('net.peer.port', port),
];

/**
 * checkout (9001) calls payment (9002) at [1010, 1080] and an uninstrumented inventory (9003)
 * at [1012, 1070]; payment began a new trace at 1012.
 */
async function stored(): Promise<SpanRecord[]> {
  const store = new SpanStore(Number.MAX_SAFE_INTEGER);
  const checkout = [
    otlp(TRACE, 'c000000000000001', PROBE_SPAN, 2, [1001, 1090], oldServer(9001, 40001, '/')),
    otlp(TRACE, 'c000000000000002', 'c000000000000001', 3, [1010, 1080], oldClient(9002, '/pay')),
    otlp(TRACE, 'c000000000000003', 'c000000000000001', 3, [1012, 1070], oldClient(9003, '/s')),
  ];
  const payment = [
    otlp(NEW_TRACE, 'b000000000000001', undefined, 2, [1012, 1032], oldServer(9002, 51002, '/pay')),
  ];
  await ingest(protobufSource(protobufRequest('checkout', checkout)), store);
  await ingest(protobufSource(protobufRequest('payment', payment)), store);
  return store.spans();
}

describe('old-convention ports through OTLP/protobuf and the span store', () => {
  test('the ports column holds the port each server span listens on', async () => {
    const spans = await stored();
    const columns = columnsOf(spans);
    assert.ok(columns !== undefined);
    assert.deepEqual([...columns.ports.subarray(0, columns.length)], [9001, NaN, NaN, 9002]);
    const { listeners } = listenersOf(spans);
    assert.deepEqual(
      [...listeners].map(([port, services]) => [port, [...services]]),
      [
        [9001, ['checkout']],
        [9002, ['payment']],
      ],
    );
  });

  test('the new root is blamed on the call to its address, the same from columns and objects', async () => {
    const spans = await stored();
    const input = (all: SpanRecord[]) => ({
      probes: [probe],
      spans: all,
      expectServices: [],
      header: 'traceparent',
      maxClockSkewMs: 50,
    });
    const fromColumns = verifyTarget(input(spans));
    const fromObjects = verifyTarget(input([...spans]));
    // (The other diagnosis is the call to the uninstrumented inventory, left unanswered.)
    assert.deepEqual(
      fromColumns.sample.diagnoses.filter((d) => d.includes('new trace')),
      [
        'checkout -> payment (POST http://127.0.0.1:9002/pay): payment started a new trace; the traceparent header did not arrive or was not extracted.',
      ],
    );
    assert.equal(JSON.stringify(fromColumns), JSON.stringify(fromObjects));
  });
});
