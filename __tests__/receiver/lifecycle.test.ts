import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { InputError } from '../../src/errors';
import { startReceiver } from '../../src/receiver';
import { freePorts } from '../target/harness';
import { JSON_HEADERS, jsonRequest, jsonSpan, send } from './helpers';

describe('receiver lifecycle and settings', () => {
  test('ephemeral ports are reported back; URLs point at them', async () => {
    const receiver = await startReceiver({ httpPort: 0, grpcPort: 0 });
    try {
      assert.ok(receiver.httpPort > 0);
      assert.ok(receiver.grpcPort !== undefined && receiver.grpcPort > 0);
      assert.equal(receiver.httpUrl, `http://127.0.0.1:${receiver.httpPort}`);
      assert.equal(receiver.grpcUrl, `http://127.0.0.1:${receiver.grpcPort}`);
    } finally {
      await receiver.close();
    }
  });

  test('"disabled" starts no gRPC server', async () => {
    const receiver = await startReceiver({ httpPort: 0, grpcPort: 'disabled' });
    try {
      assert.equal(receiver.grpcPort, undefined);
      assert.equal(receiver.grpcUrl, undefined);
    } finally {
      await receiver.close();
    }
  });

  test('a busy HTTP port is an InputError naming the input', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      await assert.rejects(startReceiver({ httpPort: port, grpcPort: 'disabled' }), (error) => {
        assert.ok(error instanceof InputError);
        assert.equal(
          error.message,
          `Option httpPort: port ${port} on 127.0.0.1 is already in use; choose another port, or 0 for a free one.`,
        );
        return true;
      });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  test('a busy gRPC port is an InputError too, and the HTTP server started first is closed', async () => {
    const first = await startReceiver({ httpPort: 0, grpcPort: 0 });
    const [httpPort] = await freePorts(1);
    try {
      await assert.rejects(
        startReceiver({
          httpPort,
          grpcPort: first.grpcPort!,
          labels: { grpcPort: "input 'grpc-port'" },
        }),
        (error) => {
          assert.ok(error instanceof InputError);
          assert.match(
            error.message,
            new RegExp(`^Input 'grpc-port': port ${first.grpcPort} on 127.0.0.1 is already in use`),
          );
          return true;
        },
      );
      // The HTTP port of the failed start was released: it can be had again at once.
      const again = await startReceiver({ httpPort, grpcPort: 'disabled' });
      await again.close();
    } finally {
      await first.close();
    }
  });

  test("ports and limits out of range are InputErrors naming the option, or the caller's label", async () => {
    await assert.rejects(
      startReceiver({ httpPort: 70000 }),
      /^InputError: Option httpPort must be a port number from 0 to 65535/,
    );
    await assert.rejects(
      startReceiver({ httpPort: 70000, labels: { httpPort: "input 'receiver-http-port'" } }),
      /Input 'receiver-http-port' must be a port number from 0 to 65535/,
    );
    await assert.rejects(startReceiver({ httpPort: 0, grpcPort: -1 }), /Option grpcPort/);
    await assert.rejects(
      startReceiver({ httpPort: 0, maxBodyBytes: 0 }),
      /Option maxBodyBytes must be a whole number of bytes/,
    );
  });

  test('close() ends keep-alive connections, pending waits, and is idempotent', async () => {
    const receiver = await startReceiver({ httpPort: 0, grpcPort: 0 });
    const agentReply = await fetch(`${receiver.httpUrl}/v1/traces`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: jsonRequest('svc', [jsonSpan()]),
      signal: AbortSignal.timeout(5_000),
    });
    assert.equal(agentReply.status, 200);
    await agentReply.arrayBuffer();
    const waiting = receiver.waitFor({ services: ['never'], timeoutMs: 60_000 });
    const closedAt = Date.now();
    await Promise.all([receiver.close(), receiver.close()]);
    const result = await waiting;
    assert.equal(result.outcome, 'closed');
    assert.deepEqual(result.missingServices, ['never']);
    assert.ok(Date.now() - closedAt < 5_000, 'close does not wait for idle keep-alive sockets');
    // The spans stay readable after close, for the report.
    assert.equal(receiver.spans().length, 1);
    await assert.rejects(
      send(`${receiver.httpUrl}/v1/traces`, { headers: JSON_HEADERS, body: '{}' }),
      /ECONNREFUSED/,
    );
  });
});
