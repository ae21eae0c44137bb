// A span repeated inside one export message takes room once: the receiver must not refuse spans
// that fit because the message holds a span twice. Over gRPC the decoded slices are held until
// the whole message is decoded, and the room they take was counted with every repeat, so
// decoding stopped early and refused the rest. OTLP/HTTP (protobuf and JSON) stores each slice
// before deciding on the next, so a repeat is found stored and counted as a duplicate there.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { startReceiver, type Receiver } from '../../src/receiver';
import { ExportTraceServiceResponse } from '../../src/receiver/otlp-schema';
import {
  decodeExportResponse,
  exportRaw,
  JSON_HEADERS,
  jsonRequest,
  jsonSpan,
  PROTOBUF_HEADERS,
  protobufRequest,
  send,
} from './helpers';

const CAP = 1024;

/** Spans with ids `from` to `from + count`. */
const spanRange = (from: number, count: number) =>
  Array.from({ length: count }, (_, index) =>
    jsonSpan({ spanId: (0xb0000 + from + index).toString(16).padStart(16, '0') }),
  );

// 512 spans, the same 512 again, then 300 more: 812 distinct spans, under the cap of 1,024;
// counted with the repeats, 1,324, over it. Every distinct span fits.
const REPEATED = [...spanRange(0, 512), ...spanRange(0, 512), ...spanRange(1000, 300)];
const FITTING = { accepted: 812, duplicates: 512, overLimit: 0, rejected: 0 };

/** A receiver capped at CAP spans and a gRPC client of it, for one test. */
async function withReceiver(
  use: (receiver: Receiver, client: grpc.Client) => Promise<void>,
): Promise<void> {
  const receiver = await startReceiver({ httpPort: 0, grpcPort: 0, maxSpans: CAP });
  const client = new grpc.Client(
    `127.0.0.1:${receiver.grpcPort}`,
    grpc.credentials.createInsecure(),
  );
  try {
    await use(receiver, client);
  } finally {
    client.close();
    await receiver.close();
  }
}

/** One gRPC export of `spans`; what the receiver stored of it, from its counters and answer. */
async function exportOutcome(receiver: Receiver, client: grpc.Client, spans: object[]) {
  const before = receiver.stats();
  const response = ExportTraceServiceResponse.toObject(
    ExportTraceServiceResponse.decode(
      await exportRaw(client, protobufRequest('repeats', spans as Record<string, unknown>[])),
    ),
    { longs: String },
  );
  const after = receiver.stats();
  return {
    accepted: after.acceptedSpans - before.acceptedSpans,
    duplicates: after.duplicateSpans - before.duplicateSpans,
    overLimit: after.spansOverLimit - before.spansOverLimit,
    rejected: Number(response['partialSuccess']?.rejectedSpans ?? 0),
  };
}

describe('gRPC: a span repeated inside one message takes room once', () => {
  test('every distinct span is stored, none refused', () =>
    withReceiver(async (receiver, client) => {
      assert.deepEqual(await exportOutcome(receiver, client, REPEATED), FITTING);
      assert.equal(receiver.spans().length, 812);
    }));

  test('repeats in slices decoded after the exact count began take no room either', () =>
    withReceiver(async (receiver, client) => {
      // The first two slices reach the cap by length, so the third starts the exact count
      // (512 distinct); the third slice repeats the first and must count 0, not 512, or decoding
      // stops before the last 300 spans, which fit.
      const first = spanRange(0, 512);
      const spans = [...first, ...first, ...first, ...spanRange(1000, 300)];
      assert.deepEqual(await exportOutcome(receiver, client, spans), {
        accepted: 812,
        duplicates: 1024,
        overLimit: 0,
        rejected: 0,
      });
    }));

  test('spans repeated once the store is full: the repeats refused undecoded, as over HTTP', () =>
    withReceiver(async (receiver, client) => {
      const full = [...spanRange(0, CAP), ...spanRange(0, CAP)];
      assert.deepEqual(await exportOutcome(receiver, client, full), {
        accepted: CAP,
        duplicates: 0,
        // Once the held spans fill the store, the rest are refused undecoded, as over HTTP.
        overLimit: CAP,
        rejected: CAP,
      });
    }));

  test('a flood of distinct spans, repeated or not, is still refused past the cap', () =>
    withReceiver(async (receiver, client) => {
      const flood = spanRange(0, 3000);
      const outcome = await exportOutcome(receiver, client, [...flood, ...flood]);
      assert.equal(outcome.accepted, CAP);
      assert.equal(receiver.spans().length, CAP);
      // Decoding stops once the held spans fill the store: the rest are refused undecoded.
      assert.equal(outcome.rejected, outcome.overLimit);
      assert.equal(outcome.duplicates, 0);
      assert.equal(outcome.accepted + outcome.overLimit, 2 * flood.length);
    }));
});

describe('a span repeated inside one message over OTLP/HTTP (already right)', () => {
  for (const encoding of ['protobuf', 'json'] as const) {
    test(`${encoding}: every distinct span is stored, none refused`, async () => {
      const receiver = await startReceiver({ httpPort: 0, grpcPort: 'disabled', maxSpans: CAP });
      try {
        const reply = await send(`${receiver.httpUrl}/v1/traces`, {
          headers: encoding === 'json' ? JSON_HEADERS : PROTOBUF_HEADERS,
          body:
            encoding === 'json'
              ? jsonRequest('repeats', REPEATED)
              : protobufRequest('repeats', REPEATED),
        });
        assert.equal(reply.status, 200);
        const stats = receiver.stats();
        assert.deepEqual(
          {
            accepted: stats.acceptedSpans,
            duplicates: stats.duplicateSpans,
            overLimit: stats.spansOverLimit,
            rejected: Number(decodeExportResponse(reply).partialSuccess?.rejectedSpans ?? 0),
          },
          FITTING,
        );
      } finally {
        await receiver.close();
      }
    });
  }
});
