import type { Readable } from 'node:stream';
import { appendGrowing } from './growing-buffer';
import { inflateBounded } from './inflate-bounded';

// The gRPC over HTTP/2 wire format (grpc/grpc doc/PROTOCOL-HTTP2.md) as a unary server needs it:
// the request's one length-prefixed message, the response's frame, and the header values.

/** gRPC status codes (grpc/grpc doc/statuscodes.md) the server answers with. */
export const GrpcStatus = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
} as const;

/** Message encodings the server inflates, as it lists them in grpc-accept-encoding. */
export const ACCEPT_ENCODING = 'identity,deflate,gzip';
export type MessageEncoding = 'identity' | 'gzip' | 'deflate';

// 5 bytes before each message: a compressed flag, then the message's length (32-bit big-endian).
const PREFIX_BYTES = 5;
// setTimeout cannot wait longer; a grpc-timeout past it (weeks) is treated as none.
const MAX_TIMER_MS = 2 ** 31 - 1;
const TIMEOUT_UNIT_MS: Readonly<Record<string, number>> = {
  H: 3_600_000,
  M: 60_000,
  S: 1_000,
  m: 1,
  u: 1e-3,
  n: 1e-6,
};

export type MessageResult =
  { ok: true; message: Buffer } | { ok: false; code: number; message: string };

type Refusal = Extract<MessageResult, { ok: false }>;
const refusal = (code: number, message: string): Refusal => ({ ok: false, code, message });

/**
 * Reads the request's one length-prefixed message as its DATA frames arrive, in whatever pieces
 * they split it. The declared length is checked against the limit before any of the message is
 * kept, and the inflated size is bounded by it too, so neither a large nor a compressed message
 * makes the server hold more than the limit. Calls `done` once, unless the stream closes first.
 */
export function readMessage(
  stream: Readable,
  encoding: MessageEncoding,
  maxBytes: number,
  done: (result: MessageResult) => void,
): void {
  const prefix = Buffer.alloc(PREFIX_BYTES);
  let prefixRead = 0;
  let compressed = false;
  let length = -1;
  // One buffer, grown as the frames arrive (see appendGrowing), never one Buffer per frame.
  let body: Buffer = Buffer.alloc(0);
  let read = 0;
  let settled = false;

  const settle = (result: MessageResult): void => {
    if (settled) return;
    settled = true;
    stream.off('data', onData);
    stream.off('end', onEnd);
    body = Buffer.alloc(0);
    done(result);
  };

  const onData = (chunk: Buffer): void => {
    let offset = 0;
    while (offset < chunk.length) {
      if (read === length) {
        return settle(refusal(GrpcStatus.UNIMPLEMENTED, 'Export is unary: one message per call.'));
      }
      if (prefixRead < PREFIX_BYTES) {
        const take = Math.min(PREFIX_BYTES - prefixRead, chunk.length - offset);
        chunk.copy(prefix, prefixRead, offset, offset + take);
        prefixRead += take;
        offset += take;
        if (prefixRead < PREFIX_BYTES) return;
        const problem = checkPrefix(prefix, encoding, maxBytes);
        if (problem !== undefined) return settle(problem);
        compressed = prefix[0] === 1;
        length = prefix.readUInt32BE(1);
        continue;
      }
      const take = Math.min(length - read, chunk.length - offset);
      const piece = take === chunk.length ? chunk : chunk.subarray(offset, offset + take);
      body = appendGrowing(body, read, piece, length, length);
      read += take;
      offset += take;
    }
  };

  const onEnd = (): void => {
    if (read !== length)
      return settle(refusal(GrpcStatus.INTERNAL, truncated(prefixRead, read, length)));
    const message = body.subarray(0, read);
    body = Buffer.alloc(0);
    if (!compressed) return settle({ ok: true, message });
    inflateMessage(encoding, message, maxBytes, settle);
  };

  stream.on('data', onData);
  stream.on('end', onEnd);
}

/** A refusal for a message prefix the call cannot have, or undefined when it is acceptable. */
function checkPrefix(
  prefix: Buffer,
  encoding: MessageEncoding,
  maxBytes: number,
): Refusal | undefined {
  const flag = prefix[0]!;
  if (flag > 1) {
    return refusal(GrpcStatus.INTERNAL, `The message's compressed flag is ${flag}, not 0 or 1.`);
  }
  if (flag === 1 && encoding === 'identity') {
    const message = 'The message is flagged compressed, but the call declares no grpc-encoding.';
    return refusal(GrpcStatus.INTERNAL, message);
  }
  if (prefix.readUInt32BE(1) > maxBytes) {
    return refusal(GrpcStatus.RESOURCE_EXHAUSTED, tooLarge(maxBytes, flag === 1));
  }
  return undefined;
}

function truncated(prefixRead: number, read: number, length: number): string {
  if (prefixRead === 0) return 'The call ended without a message.';
  if (prefixRead < PREFIX_BYTES) return 'The call ended inside a message prefix.';
  return `The call ended after ${read} of the message's ${length} bytes.`;
}

/** Inflates the message, bounded by `maxBytes` (see inflateBounded). */
function inflateMessage(
  encoding: MessageEncoding,
  input: Buffer,
  maxBytes: number,
  settle: (result: MessageResult) => void,
): void {
  // A compressed message never has 'identity' (checkPrefix refuses it).
  inflateBounded(encoding === 'gzip' ? 'gzip' : 'deflate', input, maxBytes, (result) => {
    if (result.ok) return settle({ ok: true, message: result.output });
    if (result.tooLarge)
      return settle(refusal(GrpcStatus.RESOURCE_EXHAUSTED, tooLarge(maxBytes, true)));
    const message = `The ${encoding} message cannot be decompressed: ${result.message}`;
    settle(refusal(GrpcStatus.INTERNAL, message));
  });
}

function tooLarge(maxBytes: number, compressed: boolean): string {
  const after = compressed ? ' (after decompression)' : '';
  return `The message exceeds the limit of ${maxBytes} bytes${after}.`;
}

/** A response message with its prefix (never compressed: the flag is 0). */
export function frameMessage(message: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(PREFIX_BYTES + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, PREFIX_BYTES);
  return frame;
}

/** `grpc-encoding`: undefined for one the server cannot inflate. */
export function messageEncodingOf(
  header: string | string[] | undefined,
): MessageEncoding | undefined {
  if (header === undefined) return 'identity';
  const value = String(header).trim().toLowerCase();
  if (value === 'identity' || value === 'gzip' || value === 'deflate') return value;
  return undefined;
}

/** `grpc-timeout` (1 to 8 digits, a unit) in ms; undefined when absent, malformed or too long to time. */
export function timeoutOf(header: string | string[] | undefined): number | undefined {
  const match = /^(\d{1,8})([HMSmun])$/.exec(String(header ?? ''));
  if (match === null) return undefined;
  const ms = Number(match[1]) * TIMEOUT_UNIT_MS[match[2]!]!;
  return ms > MAX_TIMER_MS ? undefined : Math.ceil(ms);
}

/**
 * grpc-message's encoding: bytes of the UTF-8 text outside printable ASCII, and '%' itself, as
 * %XX, so any text (a service's span name in an error) makes a valid header value. At most
 * `maxBytes` bytes, cut between characters and ended with an encoded ellipsis: the text can
 * quote what a client sent (a method path, a span name), one character can take 12 bytes
 * encoded, and a client refuses metadata past its limit (grpcio: 8 KiB in all) and then reports
 * that instead of the status.
 */
export function percentEncode(text: string, maxBytes = Infinity): string {
  const pieces = Array.from(text, encodeCharacter);
  let length = 0;
  for (const piece of pieces) length += piece.length;
  if (length <= maxBytes) return pieces.join('');
  let kept = '';
  for (const piece of pieces) {
    if (kept.length + piece.length > maxBytes - ELLIPSIS.length) break;
    kept += piece;
  }
  return kept + ELLIPSIS;
}

const ELLIPSIS = '%E2%80%A6';

/** One character (a code point, or a lone surrogate, which UTF-8 writes as U+FFFD) encoded. */
function encodeCharacter(character: string): string {
  let encoded = '';
  for (const byte of Buffer.from(character, 'utf8')) {
    encoded +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}
