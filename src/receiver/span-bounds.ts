/** Start and end offsets of span messages, in a typed array that doubles as it fills. */
export class SpanBounds {
  private offsets = new Uint32Array(1024);
  count = 0;

  add(start: number, end: number): void {
    if (2 * this.count + 2 > this.offsets.length) {
      const grown = new Uint32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[2 * this.count] = start;
    this.offsets[2 * this.count + 1] = end;
    this.count += 1;
  }

  startOf(span: number): number {
    return this.offsets[2 * span]!;
  }

  endOf(span: number): number {
    return this.offsets[2 * span + 1]!;
  }
}
