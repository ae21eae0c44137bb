import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { percentEncode, readMessage, type MessageResult } from '../../src/receiver/grpc-message';

// A full collection on demand, to measure what the reader keeps rather than garbage.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** The message's 5-byte prefix (not compressed) followed by the message. */
function framed(message: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

test('a message sent one byte per frame is kept in one buffer, not one object per frame', () => {
  // 1 MiB in a million one-byte DATA frames: kept as one Buffer per frame, about 100 bytes of
  // heap each (the reader did that, and 16 MiB sent this way took gigabytes); in one buffer, 1 MiB.
  const message = Buffer.alloc(1024 * 1024, 7);
  message.write('first', 0);
  message.write('last', message.length - 4);
  const wire = framed(message);
  const stream = new EventEmitter();
  let result: MessageResult | undefined;
  readMessage(stream as unknown as Readable, 'identity', 16 * 1024 * 1024, (r) => (result = r));
  collect();
  const before = process.memoryUsage().heapUsed;
  for (let offset = 0; offset < wire.length; offset += 1) {
    stream.emit('data', wire.subarray(offset, offset + 1));
  }
  collect();
  const kept = process.memoryUsage().heapUsed - before;
  assert.ok(kept < 20 * 1024 * 1024, `${Math.round(kept / 1024 / 1024)} MiB of heap kept`);
  stream.emit('end');
  assert.ok(result?.ok, 'the message is read');
  assert.ok(result.message.equals(message), 'byte for byte');
});

test('grpc-message encoding: cut between characters, within its byte limit', () => {
  const text = `span ${'\u{1F600}'.repeat(10)} 100% done`;
  // Whole when it fits: decodes back to the text.
  assert.equal(decodeURIComponent(percentEncode(text)), text);
  for (let limit = 12; limit <= 160; limit += 1) {
    const encoded = percentEncode(text, limit);
    assert.ok(encoded.length <= limit, `${encoded.length} bytes over a limit of ${limit}`);
    // Valid percent-encoding of whole characters: a prefix of the text, marked when cut.
    const decoded = decodeURIComponent(encoded);
    if (decoded === text) continue;
    assert.ok(decoded.endsWith('…'), decoded);
    assert.ok(text.startsWith(decoded.slice(0, -1)), decoded);
  }
  // A lone surrogate (a cut span name) is written as U+FFFD, as UTF-8 writes it.
  assert.equal(percentEncode('a\uD83D'), 'a%EF%BF%BD');
});
