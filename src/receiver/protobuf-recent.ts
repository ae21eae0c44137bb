// A protobuf body's recently decoded strings, reused while the next span's bytes are the same.

/**
 * The last string one field decoded, with where its bytes lie in the body: spans of a batch mostly
 * share their trace id and often their name, and reusing the string spares an allocation (and
 * memory once stored).
 */
export class RecentString {
  private start = 0;
  private end = 0;
  private text = '';

  constructor(
    private readonly buf: Buffer,
    private readonly decode: (buf: Buffer, start: number, end: number) => string,
  ) {}

  at(start: number, end: number): string {
    if (!this.sameBytes(start, end)) {
      this.text = this.decode(this.buf, start, end);
      this.start = start;
      this.end = end;
    }
    return this.text;
  }

  private sameBytes(start: number, end: number): boolean {
    if (end - start !== this.end - this.start || this.end === 0) return false;
    const buf = this.buf;
    for (let offset = 0; offset < end - start; offset += 1) {
      if (buf[start + offset] !== buf[this.start + offset]) return false;
    }
    return true;
  }
}

export interface RecentStrings {
  traceId: RecentString;
  name: RecentString;
}
