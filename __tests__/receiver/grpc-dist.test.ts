// The shipped gRPC server (dist/index.js in target mode, no node_modules) against a raw node:http2
// client: for each probe the target sends hostile calls on one connection (a lying length prefix,
// a compressed flag without an encoding, garbage gzip, a prefix over the body limit), then its real
// server span on the same connection. Each hostile call gets its own clean status, the run neither
// crashes nor logs a stack, and the verdict passes on the span that followed them.
import assert from 'node:assert/strict';
import http from 'node:http';
import { connect, type ClientHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { assertEndedByItself, runGuarded, verdictOf } from '../robustness/helpers/dist';
import { freePorts } from '../target/harness';
import { IO_TIMEOUT_MS, jsonSpan, protobufRequest } from './helpers';

const SERVICE = 'raw-h2';
const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

function frame(message: Buffer, compressed = false, declared = message.length): Buffer {
  const prefix = Buffer.alloc(5);
  prefix[0] = compressed ? 1 : 0;
  prefix.writeUInt32BE(declared, 1);
  return Buffer.concat([prefix, message]);
}

/** One call on the session; resolves with its grpc-status (trailers-only or trailers). */
function rawCall(
  session: ClientHttp2Session,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': EXPORT_PATH,
      'content-type': 'application/grpc',
      ...headers,
    });
    const timer = setTimeout(() => reject(new Error('no answer in time')), IO_TIMEOUT_MS);
    let status: unknown;
    stream.on('response', (received) => (status ??= received['grpc-status']));
    stream.on('trailers', (received) => (status ??= received['grpc-status']));
    stream.on('error', reject);
    stream.on('close', () => {
      clearTimeout(timer);
      resolve(Number(status));
    });
    stream.resume();
    stream.end(body);
  });
}

async function hostileThenValid(grpcPort: number, traceId: string, probeSpanId: string) {
  const session = connect(`http://127.0.0.1:${grpcPort}`);
  session.on('error', () => undefined);
  try {
    const span = jsonSpan({
      traceId,
      spanId: 'e1e1e1e1e1e1e1e1',
      parentSpanId: probeSpanId,
      name: `GET /${SERVICE}`,
      kind: 2,
      flags: 0x301,
    });
    const valid = Buffer.from(protobufRequest(SERVICE, [span]));
    return [
      await rawCall(session, frame(valid.subarray(0, 10), false, valid.length)),
      await rawCall(session, frame(valid, true)),
      await rawCall(session, frame(Buffer.from('not gzip'), true), { 'grpc-encoding': 'gzip' }),
      await rawCall(session, frame(Buffer.alloc(64), false, 32 * 1024 * 1024)),
      await rawCall(session, frame(valid)),
    ];
  } finally {
    session.close();
  }
}

test('dist/ gRPC server: hostile calls get clean statuses, then a valid export passes', async () => {
  const [httpPort, grpcPort] = await freePorts(2);
  const statuses: number[][] = [];
  const target = http.createServer((request, response) => {
    request.resume();
    const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(
      String(request.headers.traceparent ?? ''),
    );
    if (match === null) return void response.writeHead(400).end('no traceparent');
    hostileThenValid(grpcPort!, match[1]!, match[2]!)
      .then((codes) => statuses.push(codes))
      .catch(() => statuses.push([]))
      .finally(() => response.end('ok'));
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = target.address() as AddressInfo;
    const run = await runGuarded({
      'target-url': `http://127.0.0.1:${port}/`,
      'expect-services': SERVICE,
      settle: '100',
      'receiver-http-port': String(httpPort),
      'receiver-grpc-port': String(grpcPort),
      timeout: '20',
    });
    assertEndedByItself(run);
    // INTERNAL for the broken framing and compression, RESOURCE_EXHAUSTED for the prefix over
    // the 16 MiB limit, then OK.
    assert.deepEqual(statuses, [[13, 13, 13, 8, 0]]);
    const { verdict, result, error } = verdictOf(run);
    assert.equal(verdict, 'pass', `${error}\n${run.stdout.slice(0, 3000)}`);
    assert.deepEqual(result.services_seen, [SERVICE]);
  } finally {
    target.closeAllConnections();
    await new Promise<void>((resolve) => target.close(() => resolve()));
  }
});
