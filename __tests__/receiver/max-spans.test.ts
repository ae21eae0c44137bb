// The receiver's cap on stored spans (input `max-spans`): past it, new spans are refused with
// OTLP partial success on every transport, counted, and never stored; duplicates of stored spans
// are not refused; below the cap nothing is refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
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

const spanIds = (from: number, count: number) =>
  Array.from({ length: count }, (_, index) =>
    jsonSpan({ spanId: (from + index).toString(16).padStart(16, '0') }),
  );

describe('max-spans: the receiver keeps its bound', () => {
  let receiver: Receiver;
  let client: grpc.Client;

  before(async () => {
    receiver = await startReceiver({
      httpPort: 0,
      grpcPort: 0,
      maxSpans: 4,
      labels: { maxSpans: "input 'max-spans'" },
    });
    client = new grpc.Client(`127.0.0.1:${receiver.grpcPort}`, grpc.credentials.createInsecure());
  });
  after(async () => {
    client?.close();
    await receiver?.close();
  });

  test('below the cap every span is stored and nothing is refused', async () => {
    const reply = await send(`${receiver.httpUrl}/v1/traces`, {
      headers: JSON_HEADERS,
      body: jsonRequest('capped', spanIds(1, 3)),
    });
    assert.equal(reply.status, 200);
    assert.equal(decodeExportResponse(reply).partialSuccess, undefined);
    assert.equal(receiver.stats().spansOverLimit, 0);
  });

  test('past the cap (JSON): partial success names the input; only the room left is stored', async () => {
    const reply = await send(`${receiver.httpUrl}/v1/traces`, {
      headers: JSON_HEADERS,
      // One duplicate of a stored span, then three new ones where one fits.
      body: jsonRequest('capped', spanIds(3, 4)),
    });
    assert.equal(reply.status, 200);
    const partial = decodeExportResponse(reply).partialSuccess;
    assert.equal(Number(partial?.rejectedSpans), 2);
    assert.match(
      partial?.errorMessage ?? '',
      /2 spans were refused: .* at most 4 spans \(input 'max-spans'\)/,
    );
    assert.equal(receiver.spans().length, 4);
    assert.deepEqual(receiver.stats(), {
      ...receiver.stats(),
      acceptedSpans: 4,
      duplicateSpans: 1,
      spansOverLimit: 2,
    });
  });

  test('past the cap (protobuf and gRPC): refused, counted, never stored', async () => {
    const reply = await send(`${receiver.httpUrl}/v1/traces`, {
      headers: PROTOBUF_HEADERS,
      body: protobufRequest('capped', spanIds(100, 3)),
    });
    assert.equal(decodeExportResponse(reply).partialSuccess?.rejectedSpans, '3');
    const response = ExportTraceServiceResponse.toObject(
      ExportTraceServiceResponse.decode(
        await exportRaw(client, protobufRequest('capped', spanIds(200, 5))),
      ),
      { longs: String },
    );
    assert.equal(response['partialSuccess']?.rejectedSpans, '5');
    assert.match(response['partialSuccess']?.errorMessage, /input 'max-spans'/);
    assert.equal(receiver.stats().spansOverLimit, 10);
    assert.equal(receiver.spans().length, 4);
  });

  test('a bad cap is refused with the option name, or the label the caller gave it', async () => {
    await assert.rejects(startReceiver({ httpPort: 0, grpcPort: 'disabled', maxSpans: 0 }), {
      message: 'Option maxSpans must be a whole number of spans above 0, got 0.',
    });
    const labels = { maxSpans: "input 'max-spans'" };
    await assert.rejects(
      startReceiver({ httpPort: 0, grpcPort: 'disabled', maxSpans: 0, labels }),
      { message: "Input 'max-spans' must be a whole number of spans above 0, got 0." },
    );
  });
});
