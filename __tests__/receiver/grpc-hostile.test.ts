// The OTLP/gRPC server against a raw node:http2 client: framing split anywhere, the protocol's
// refusals (content type, path, encoding), and hostile calls (lying length prefixes, truncated
// and garbage messages, resets, deadlines, many streams at once). Each must end with a clean gRPC
// status on its own stream while the server keeps serving.
import assert from 'node:assert/strict';
import { constants, type ClientHttp2Session } from 'node:http2';
import { connect as tcpConnect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import { startReceiver, type Receiver } from '../../src/receiver';
import { ExportTraceServiceResponse } from '../../src/receiver/otlp-schema';
import { call, frame, openSession, unary } from './grpc-raw';
import { IO_TIMEOUT_MS, jsonSpan, protobufRequest } from './helpers';

const MAX_BODY_BYTES = 64 * 1024;

describe('OTLP/gRPC on node:http2: framing and hostile calls', () => {
  let receiver: Receiver;
  let session: ClientHttp2Session;
  const valid = (service: string, spanId = 'b1b1b1b1b1b1b1b1') =>
    Buffer.from(protobufRequest(service, [jsonSpan({ spanId })]));

  before(async () => {
    receiver = await startReceiver({ httpPort: 0, grpcPort: 0, maxBodyBytes: MAX_BODY_BYTES });
    session = await openSession(receiver.grpcPort!);
  });
  after(async () => {
    session?.destroy();
    await receiver?.close();
  });

  test('a message split across DATA frames anywhere, even inside its prefix, is stored', async () => {
    const whole = frame(valid('split', 'c1c1c1c1c1c1c1c1'));
    const pieces = [whole.subarray(0, 2), whole.subarray(2, 5), whole.subarray(5, 9)];
    for (let at = 9; at < whole.length; at += 7) pieces.push(whole.subarray(at, at + 7));
    const answer = await unary(session, pieces);
    assert.equal(answer.httpStatus, 200);
    assert.equal(answer.headers['content-type'], 'application/grpc');
    assert.equal(answer.grpcStatus, 0);
    assert.deepEqual(answer.body, frame(Buffer.alloc(0)), 'one empty ExportTraceServiceResponse');
    assert.ok(receiver.services().includes('split'));
  });

  test('gzip and deflate messages (application/grpc+proto) are inflated and stored', async () => {
    for (const [encoding, compress] of [
      ['gzip', gzipSync],
      ['deflate', deflateSync],
    ] as const) {
      const answer = await unary(
        session,
        [frame(compress(valid(`compressed-${encoding}`)), { compressed: true })],
        { 'grpc-encoding': encoding, 'content-type': 'application/grpc+proto' },
      );
      assert.equal(answer.grpcStatus, 0, answer.grpcMessage);
      assert.ok(receiver.services().includes(`compressed-${encoding}`));
    }
  });

  test('partial success travels in the response message', async () => {
    const body = Buffer.from(protobufRequest('partial', [jsonSpan({ spanId: '0'.repeat(16) })]));
    const answer = await unary(session, [frame(body)]);
    assert.equal(answer.grpcStatus, 0);
    assert.equal(answer.body.readUInt32BE(1), answer.body.length - 5);
    const response = ExportTraceServiceResponse.toObject(
      ExportTraceServiceResponse.decode(answer.body.subarray(5)),
      { longs: String },
    );
    assert.equal(response['partialSuccess']?.rejectedSpans, '1');
  });

  test('not gRPC: HTTP 415; another method path or content subtype: UNIMPLEMENTED', async () => {
    const notGrpc = await unary(session, [frame(valid('x'))], { 'content-type': 'text/plain' });
    assert.equal(notGrpc.httpStatus, 415);
    const path = await unary(session, [frame(valid('x'))], { ':path': '/pkg.Svc/Método' });
    assert.equal(path.httpStatus, 200);
    assert.equal(path.grpcStatus, 12);
    // grpc-message is percent-encoded on the wire, and decodes back to the text.
    assert.match(path.grpcMessage, /does not implement the method \/pkg\.Svc\/Método/);
    const json = await unary(session, [frame(valid('x'))], {
      'content-type': 'application/grpc+json',
    });
    assert.equal(json.grpcStatus, 12);
    const get = await unary(session, [], { ':method': 'GET' });
    assert.equal(get.grpcStatus, 12);
  });

  test("status messages quoting long headers stay within a client's metadata limit", async () => {
    // 3,000 'é' (2 bytes of UTF-8, 6 percent-encoded): quoted whole, 18 KB on the wire.
    const long = 'é'.repeat(3000);
    const cases: { headers: Record<string, string>; advice: RegExp }[] = [
      { headers: { ':path': `/pkg.Svc/${long}` }, advice: /it serves \/opentelemetry/ },
      { headers: { 'content-type': `text/${long}` }, advice: /use application\/grpc\.$/ },
      { headers: { 'content-type': `application/grpc+${long}` }, advice: /grpc\+proto\.$/ },
    ];
    for (const { headers, advice } of cases) {
      const answer = await unary(session, [frame(valid('x'))], headers);
      assert.equal(answer.grpcStatus, 12);
      // A trailers-only answer: the status and its message are in the one HEADERS frame.
      const onWire = String(answer.headers['grpc-message']).length;
      assert.ok(onWire <= 2048, `grpc-message took ${onWire} bytes on the wire`);
      assert.match(answer.grpcMessage, advice);
    }
  });

  test('an unknown grpc-encoding: UNIMPLEMENTED, with the encodings it accepts', async () => {
    const answer = await unary(session, [frame(valid('x'), { compressed: true })], {
      'grpc-encoding': 'snappy',
    });
    assert.equal(answer.grpcStatus, 12);
    assert.match(answer.grpcMessage, /"snappy" is not supported/);
    assert.equal(answer.headers['grpc-accept-encoding'], 'identity,deflate,gzip');
  });

  test('a length prefix over the limit is refused before the message is sent', async () => {
    const { stream, answer } = call(session);
    // Declares 10 MiB, sends 1 KiB and never ends the stream: the answer cannot wait for the rest.
    stream.write(frame(Buffer.alloc(1024), { declared: 10 * 1024 * 1024 }));
    const refused = await answer;
    assert.equal(refused.grpcStatus, 8);
    assert.match(refused.grpcMessage, /exceeds the limit of 65536 bytes/);
  });

  test('gzip that inflates past the limit: RESOURCE_EXHAUSTED', async () => {
    const bomb = gzipSync(Buffer.alloc(8 * MAX_BODY_BYTES));
    const answer = await unary(session, [frame(bomb, { compressed: true })], {
      'grpc-encoding': 'gzip',
    });
    assert.equal(answer.grpcStatus, 8);
    assert.match(answer.grpcMessage, /after decompression/);
  });

  test('lying, truncated, garbage and surplus messages each get a clean status', async () => {
    const cases: [string, Buffer[], Record<string, string>, number, RegExp][] = [
      ['longer prefix than body', [frame(Buffer.alloc(10), { declared: 1000 })], {}, 13, /10 of/],
      ['prefix cut short', [Buffer.from([0, 0, 0])], {}, 13, /inside a message prefix/],
      ['no message at all', [], {}, 13, /without a message/],
      ['compressed flag, identity', [frame(valid('x'), { compressed: true })], {}, 13, /flagged/],
      ['flag neither 0 nor 1', [Buffer.from([7, 0, 0, 0, 0])], {}, 13, /flag is 7/],
      [
        'garbage gzip',
        [frame(Buffer.from('not gzip at all'), { compressed: true })],
        { 'grpc-encoding': 'gzip' },
        13,
        /cannot be decompressed/,
      ],
      ['not protobuf', [frame(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]))], {}, 3, /protobuf/],
      ['two messages', [frame(valid('x')), frame(valid('y'))], {}, 12, /one message per call/],
    ];
    for (const [name, pieces, headers, code, message] of cases) {
      const answer = await unary(session, pieces, headers);
      assert.equal(answer.grpcStatus, code, `${name}: ${answer.grpcMessage}`);
      assert.match(answer.grpcMessage, message, name);
    }
    assert.equal((await unary(session, [frame(valid('after-hostile'))])).grpcStatus, 0);
  });

  test('a reset mid-message counts as a failed call and frees the stream', async () => {
    const failedBefore = receiver.stats().failedRequests;
    const { stream, answer } = call(session);
    stream.write(frame(Buffer.alloc(100), { declared: 1000 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    stream.close(constants.NGHTTP2_CANCEL);
    await answer.catch(() => undefined);
    const until = Date.now() + IO_TIMEOUT_MS;
    while (receiver.stats().failedRequests === failedBefore && Date.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(receiver.stats().failedRequests, failedBefore + 1);
    assert.equal((await unary(session, [frame(valid('after-reset'))])).grpcStatus, 0);
  });

  test('grpc-timeout is honoured: a call still sending when it passes gets DEADLINE_EXCEEDED', async () => {
    const { stream, answer } = call(session, { 'grpc-timeout': '100m' });
    stream.write(frame(Buffer.alloc(10), { declared: 100 }));
    const late = await answer;
    assert.equal(late.grpcStatus, 4);
    // A timeout too long to time, or malformed, is ignored.
    for (const timeout of ['99999999H', 'soon']) {
      const ok = await unary(session, [frame(valid('timeouts'))], { 'grpc-timeout': timeout });
      assert.equal(ok.grpcStatus, 0);
    }
  });

  test('many streams at once, valid and hostile mixed, each get their own status', async () => {
    const calls = Array.from({ length: 300 }, (_, index) => {
      const spanId = (0xd000 + index).toString(16).padStart(16, '0');
      if (index % 3 === 0) return unary(session, [frame(valid('many', spanId))]);
      if (index % 3 === 1) return unary(session, [frame(Buffer.alloc(5), { declared: 50 })]);
      return unary(session, [frame(Buffer.from('junk'), { compressed: true })], {
        'grpc-encoding': 'gzip',
      });
    });
    const answers = await Promise.all(calls);
    assert.deepEqual(
      answers.map((answer, index) => [index % 3, answer.grpcStatus]),
      answers.map((_, index) => [index % 3, index % 3 === 0 ? 0 : 13]),
    );
    assert.equal(receiver.spans().filter((span) => span.service === 'many').length, 100);
  });

  test('bytes that are not HTTP/2 end only their own connection', async () => {
    await new Promise<void>((resolve, reject) => {
      const socket = tcpConnect(receiver.grpcPort!, '127.0.0.1', () => {
        socket.end('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      socket.setTimeout(IO_TIMEOUT_MS, () => reject(new Error('socket left open')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve());
      socket.resume();
    });
    assert.equal((await unary(session, [frame(valid('after-http1'))])).grpcStatus, 0);
  });
});

describe('OTLP/gRPC on node:http2: a call that ends while its message is decoded', () => {
  test('past its deadline, a large message is answered DEADLINE_EXCEEDED and none of it is stored', async () => {
    const receiver = await startReceiver({ httpPort: 0, grpcPort: 0 });
    const session = await openSession(receiver.grpcPort!);
    try {
      const count = 100_000;
      const spans = Array.from({ length: count }, (_, index) =>
        jsonSpan({ spanId: (0xe0000 + index).toString(16).padStart(16, '0') }),
      );
      const body = Buffer.from(protobufRequest('deadline', spans));
      // Decoding 100,000 spans takes several times the 20 ms deadline, and ingest yields to the
      // event loop every 10 ms, where the deadline fires: the slices after it are not decoded,
      // and those decoded before it are dropped, not stored. (The deadline may also fire before
      // the message is read: then none is decoded.)
      const answer = await unary(session, [frame(body)], { 'grpc-timeout': '20m' });
      assert.equal(answer.grpcStatus, 4);
      // Until the count stops moving: spans stored after the answer (a held message committed
      // late) would show here.
      let stored = -1;
      const until = Date.now() + IO_TIMEOUT_MS;
      while (stored !== receiver.stats().acceptedSpans && Date.now() < until) {
        stored = receiver.stats().acceptedSpans;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      assert.equal(stored, 0, `${stored} of ${count} spans stored`);
      assert.equal(receiver.stats().spansOverLimit, 0);
      const after = Buffer.from(protobufRequest('after-deadline', [jsonSpan()]));
      assert.equal((await unary(session, [frame(after)])).grpcStatus, 0);
    } finally {
      session.destroy();
      await receiver.close();
    }
  });
});

describe('OTLP/gRPC on node:http2: closing', () => {
  test('close() ends idle and mid-call connections, and frees the port', async () => {
    const receiver = await startReceiver({ httpPort: 0, grpcPort: 0 });
    const session = await openSession(receiver.grpcPort!);
    const { stream, answer } = call(session);
    stream.write(frame(Buffer.alloc(10), { declared: 100 }));
    const idle = await openSession(receiver.grpcPort!);
    await receiver.close();
    // The half-sent call ends one way or another (a status or a reset); it does not hang.
    await answer.catch(() => undefined);
    session.destroy();
    idle.destroy();
    const again = await startReceiver({ httpPort: 0, grpcPort: receiver.grpcPort! });
    await again.close();
  });
});
