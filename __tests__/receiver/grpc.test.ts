import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { startReceiver, type Receiver } from '../../src/receiver';
import { ExportTraceServiceResponse } from '../../src/receiver/otlp-schema';
import { exportRaw, jsonSpan, protobufRequest } from './helpers';

describe('OTLP/gRPC receiver', () => {
  let receiver: Receiver;
  let client: grpc.Client;

  before(async () => {
    receiver = await startReceiver({ httpPort: 0, grpcPort: 0, maxBodyBytes: 64 * 1024 });
    client = new grpc.Client(`127.0.0.1:${receiver.grpcPort}`, grpc.credentials.createInsecure());
  });
  after(async () => {
    client?.close();
    await receiver?.close();
  });

  test('a valid export is stored, with partial success for the spans it rejects', async () => {
    const response = await exportRaw(
      client,
      protobufRequest('grpc-raw', [
        jsonSpan({ spanId: 'a1a1a1a1a1a1a1a1' }),
        jsonSpan({ spanId: '0000000000000000' }),
      ]),
    );
    const decoded = ExportTraceServiceResponse.toObject(
      ExportTraceServiceResponse.decode(response),
      {
        longs: String,
      },
    );
    assert.equal(decoded['partialSuccess']?.rejectedSpans, '1');
    assert.deepEqual(
      receiver.spans().map((span) => [span.service, span.spanId, span.kind, span.parentIsRemote]),
      [['grpc-raw', 'a1a1a1a1a1a1a1a1', 'server', true]],
    );
    assert.equal(receiver.stats().grpcRequests, 1);
  });

  test('an undecodable message: INVALID_ARGUMENT, and the server keeps serving', async () => {
    await assert.rejects(exportRaw(client, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01])), {
      code: grpc.status.INVALID_ARGUMENT,
      details: /not a protobuf ExportTraceServiceRequest/,
    });
    const response = await exportRaw(client, protobufRequest('grpc-after', [jsonSpan()]));
    assert.equal(response.length, 0, 'full success: an empty ExportTraceServiceResponse');
    assert.ok(receiver.services().includes('grpc-after'));
  });

  test('a message over the size limit: RESOURCE_EXHAUSTED, also when gzip makes it small', async () => {
    await assert.rejects(exportRaw(client, Buffer.alloc(128 * 1024, 0x0a)), {
      code: grpc.status.RESOURCE_EXHAUSTED,
    });
    const gzipClient = new grpc.Client(
      `127.0.0.1:${receiver.grpcPort}`,
      grpc.credentials.createInsecure(),
      { 'grpc.default_compression_algorithm': grpc.compressionAlgorithms.gzip },
    );
    try {
      // 1 MiB of zeros compresses to about 1 KiB; the limit applies to what it inflates to.
      await assert.rejects(exportRaw(gzipClient, Buffer.alloc(1024 * 1024)), {
        code: grpc.status.RESOURCE_EXHAUSTED,
      });
      const small = await exportRaw(gzipClient, protobufRequest('grpc-gzip', [jsonSpan()]));
      assert.equal(small.length, 0);
    } finally {
      gzipClient.close();
    }
  });
});
