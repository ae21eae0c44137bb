// What one client may hold on the OTLP/gRPC server, against a raw node:http2 client and short
// limits: a call whose message stalls or trickles is answered DEADLINE_EXCEEDED, a connection
// without calls is closed, and connections past the cap are refused RESOURCE_EXHAUSTED.
import assert from 'node:assert/strict';
import type { ClientHttp2Session } from 'node:http2';
import { describe, test } from 'node:test';
import { type GrpcLimits, startGrpcServer } from '../../src/receiver/grpc-server';
import { SpanStore } from '../../src/receiver/span-store';
import { call, frame, openSession, unary } from './grpc-raw';
import { IO_TIMEOUT_MS, jsonSpan, protobufRequest } from './helpers';

const valid = (service: string, spanId = 'd1d1d1d1d1d1d1d1') =>
  frame(Buffer.from(protobufRequest(service, [jsonSpan({ spanId })])));

async function withServer(
  limits: Partial<GrpcLimits>,
  body: (port: number, store: SpanStore) => Promise<void>,
): Promise<void> {
  const store = new SpanStore();
  const server = await startGrpcServer({
    host: '127.0.0.1',
    port: 0,
    maxBodyBytes: 1024 * 1024,
    store,
    portLabel: 'port',
    hostLabel: 'host',
    limits,
  });
  try {
    await body(server.port, store);
  } finally {
    await server.close();
  }
}

/** Resolves once the client's connection is closed; rejects after IO_TIMEOUT_MS. */
function closedWithin(session: ClientHttp2Session): Promise<void> {
  if (session.closed || session.destroyed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the connection stayed open')), IO_TIMEOUT_MS);
    session.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('OTLP/gRPC: limits per call and per connection', () => {
  test('a message that stalls or trickles past the receive limit: DEADLINE_EXCEEDED', async () => {
    await withServer({ receiveMs: 300 }, async (port, store) => {
      const session = await openSession(port);
      try {
        const whole = valid('slow');
        // Stalled: half the message, then nothing.
        const stalled = call(session);
        stalled.stream.write(whole.subarray(0, whole.length >> 1));
        const first = await stalled.answer;
        assert.equal(first.grpcStatus, 4);
        assert.match(first.grpcMessage, /did not arrive within the receiver's limit of 0\.3 s/);
        // Trickling: a byte every 20 ms, each one keeping the stream active.
        const trickle = call(session);
        let sent = 0;
        const timer = setInterval(() => {
          if (!trickle.stream.closed && sent < whole.length)
            trickle.stream.write(whole.subarray(sent, ++sent));
        }, 20);
        const second = await trickle.answer.finally(() => clearInterval(timer));
        assert.equal(second.grpcStatus, 4);
        assert.ok(sent < whole.length, `${sent} of ${whole.length} bytes were sent`);
        // Both streams were freed; the connection still serves a call sent in time.
        assert.equal((await unary(session, [valid('in-time')])).grpcStatus, 0);
        assert.deepEqual(store.services(), ['in-time']);
        assert.equal(store.stats().failedRequests, 2);
      } finally {
        session.destroy();
      }
    });
  });

  test('a connection without a call for the idle time is closed, never under a call', async () => {
    // The busy connection's call must reach the server within the idle time of its connecting:
    // 1.5 s leaves a loaded machine room, where 300 ms could close it first.
    await withServer({ idleMs: 1500, receiveMs: 10_000 }, async (port, store) => {
      const idle = await openSession(port);
      const busy = await openSession(port);
      try {
        let goaway = -1;
        idle.once('goaway', (code: number) => (goaway = code));
        // A call in flight longer than the idle time: its connection stays open for it.
        const whole = valid('long-call');
        const { stream, answer } = call(busy);
        stream.write(whole.subarray(0, 10));
        await closedWithin(idle);
        assert.equal(goaway, 0, 'GOAWAY with NO_ERROR');
        await pause(400);
        stream.end(whole.subarray(10));
        assert.equal((await answer).grpcStatus, 0);
        assert.deepEqual(store.services(), ['long-call']);
        // Its call over, the busy connection goes idle too and is closed.
        await closedWithin(busy);
      } finally {
        idle.destroy();
        busy.destroy();
      }
    });
  });

  test('past the connection cap, calls are refused RESOURCE_EXHAUSTED until a slot frees', async () => {
    await withServer({ maxConnections: 2 }, async (port, store) => {
      const first = await openSession(port);
      const second = await openSession(port);
      const sessions = [first, second];
      try {
        assert.equal((await unary(first, [valid('one', 'e1e1e1e1e1e1e1e1')])).grpcStatus, 0);
        assert.equal((await unary(second, [valid('two', 'e2e2e2e2e2e2e2e2')])).grpcStatus, 0);
        const third = await openSession(port);
        sessions.push(third);
        const refused = await unary(third, [valid('three', 'e3e3e3e3e3e3e3e3')]);
        assert.equal(refused.grpcStatus, 8);
        assert.match(refused.grpcMessage, /serves at most 2 gRPC connections at once/);
        await closedWithin(third);
        assert.deepEqual(store.services(), ['one', 'two']);
        // Once a served connection goes, a new one is served (the server may see the close
        // a moment after the client: a few tries, bounded).
        first.close();
        await closedWithin(first);
        let status: number | undefined;
        for (let attempt = 0; attempt < 20 && status !== 0; attempt += 1) {
          const next = await openSession(port);
          sessions.push(next);
          status = (await unary(next, [valid('four', 'e4e4e4e4e4e4e4e4')])).grpcStatus;
          if (status !== 0) await pause(100);
        }
        assert.equal(status, 0);
        assert.ok(store.services().includes('four'));
      } finally {
        for (const session of sessions) session.destroy();
      }
    });
  });
});
