import { DecodeError } from './internal-types';

/** Protobuf wire types (encoding.md): how a field's bytes are laid out, whatever its field type. */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
const WIRE_START_GROUP = 3;
const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

// Groups are deprecated but legal; an unknown one is skipped, nested no deeper than this.
const MAX_GROUP_DEPTH = 32;
const TWO_POW_32 = 0x1_0000_0000;
// 2^32 = 4294 * 10^6 + 967296: lets a fixed64 nanosecond time be divided by 10^6 exactly in doubles.
const MS_PER_HIGH_WORD = 4294;
const NS_REMAINDER_PER_HIGH_WORD = 967_296;

/**
 * A reader over one protobuf message, for the hand-written OTLP decoder: only the primitives the
 * verifier's fields need, all without allocating (64-bit values are read as two 32-bit halves into
 * `low`/`high`, never as a Long). Every length is checked against the message's end, so a
 * truncated or hostile body fails with a DecodeError instead of reading past it.
 */
export class ProtoReader {
  pos: number;
  /** The two halves of the last `varint64()`, unsigned. */
  low = 0;
  high = 0;

  constructor(
    readonly buf: Buffer,
    start: number,
    /** The end of the message being read: moved in and out as nested messages are entered. */
    public end: number,
  ) {
    this.pos = start;
  }

  /** Enters the length-delimited message starting here; returns the outer end for `leave`. */
  enter(): number {
    const outerEnd = this.end;
    this.end = this.lengthEnd();
    return outerEnd;
  }

  /** Leaves a message entered with `enter`, which must have been read to its end exactly. */
  leave(outerEnd: number): void {
    if (this.pos !== this.end) throw truncated();
    this.end = outerEnd;
  }

  /** The next field's tag (field number << 3 | wire type). */
  tag(): number {
    const tag = this.uint32();
    if (tag >>> 3 === 0) throw new DecodeError('a field has the invalid number 0');
    return tag;
  }

  /** A varint's low 32 bits (unsigned); the rest of a longer varint is consumed and dropped. */
  uint32(): number {
    this.varint64();
    return this.low;
  }

  /** Reads a varint of up to 10 bytes into `low` and `high`. */
  varint64(): void {
    const { buf, end } = this;
    let low = 0;
    let high = 0;
    let shift = 0;
    let pos = this.pos;
    for (;;) {
      if (pos >= end) throw truncated();
      const byte = buf[pos++]!;
      if (shift < 28) low |= (byte & 0x7f) << shift;
      else if (shift === 28) {
        low |= (byte & 0x0f) << 28;
        high = (byte & 0x70) >>> 4;
      } else if (shift < 64) high |= (byte & 0x7f) << (shift - 32);
      if (byte < 0x80) break;
      shift += 7;
      if (shift >= 70) throw new DecodeError('a varint is too long');
    }
    this.pos = pos;
    this.low = low >>> 0;
    this.high = high >>> 0;
  }

  /** The end offset of a length-delimited field starting here; `pos` moves to its first byte. */
  lengthEnd(): number {
    this.varint64();
    const length = this.low;
    if (this.high !== 0 || length > this.end - this.pos) throw truncated();
    return this.pos + length;
  }

  fixed32(): number {
    if (this.end - this.pos < 4) throw truncated();
    const value = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return value;
  }

  double(): number {
    if (this.end - this.pos < 8) throw truncated();
    const value = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return value;
  }

  /**
   * A fixed64 of nanoseconds as milliseconds with the sub-millisecond part: the same double as
   * dividing the exact integer by 10^6 (quotient, then remainder / 10^6), with no BigInt or Long.
   */
  fixed64Millis(): number {
    if (this.end - this.pos < 8) throw truncated();
    const low = this.buf.readUInt32LE(this.pos);
    const high = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    return nanosPartsToMillis(low, high);
  }

  /** Skips one field's value of this wire type. */
  skip(wireType: number, depth = 0): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_FIXED64:
        return this.advance(8);
      case WIRE_LENGTH_DELIMITED:
        this.pos = this.lengthEnd();
        return;
      case WIRE_FIXED32:
        return this.advance(4);
      case WIRE_START_GROUP:
        return this.skipGroup(depth);
      default:
        throw new DecodeError(`invalid wire type ${wireType}`);
    }
  }

  private skipGroup(depth: number): void {
    if (depth >= MAX_GROUP_DEPTH) throw new DecodeError('groups nest too deep');
    for (;;) {
      const tag = this.uint32();
      if ((tag & 7) === WIRE_END_GROUP) return;
      this.skip(tag & 7, depth + 1);
    }
  }

  private advance(bytes: number): void {
    if (this.end - this.pos < bytes) throw truncated();
    this.pos += bytes;
  }
}

/** Nanoseconds given as two unsigned 32-bit halves, to milliseconds (see `fixed64Millis`). */
export function nanosPartsToMillis(low: number, high: number): number {
  // high * 967296 + low < 2^53, so this sum and its division are exact.
  const rest = high * NS_REMAINDER_PER_HIGH_WORD + low;
  const wholeMs = high * MS_PER_HIGH_WORD + Math.floor(rest / 1e6);
  return wholeMs + (rest % 1e6) / 1e6;
}

/** A varint read as int64 (two's complement halves), as a number when exact, else as digits. */
export function int64Value(low: number, high: number): number | string {
  if (high < 0x20_0000) return high * TWO_POW_32 + low;
  if (high >= 0xffe0_0000) {
    const value = -((~high >>> 0) * TWO_POW_32 + ((~low >>> 0) + 1));
    if (Number.isSafeInteger(value)) return value;
  }
  return BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low)).toString();
}

function truncated(): DecodeError {
  return new DecodeError('a field runs past the end of its message');
}
