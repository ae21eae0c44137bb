import { CountedSpans, type SpanStore, type StoredSpan } from './span-store';

/**
 * The store's room left once a message's held slices are stored (a gRPC message is stored only
 * when it is whole, see `ingest`'s CallGuard), which decides when decoding stops and the rest is
 * refused. Held slices count by their length, an upper bound, rather than by a lookup of every
 * span in the store's index (a second lookup per span, on top of the one that stores it). Only
 * once that bound says the store is full are they counted exactly (`CountedSpans`: a resend of a
 * stored span, or a repeat of a held one, takes no room), and from then on every slice is, so the
 * decision to stop is always taken on the exact count. Close it when the message is decoded.
 */
export class HeldRoom {
  private count = 0;
  private counted: CountedSpans | undefined;
  private stopHearing: (() => void) | undefined;

  /** `held`: the message's slices so far; the caller pushes each one and then calls `add`. */
  constructor(
    private readonly store: SpanStore,
    private readonly held: readonly (readonly StoredSpan[])[],
  ) {}

  /** The room left; zero or less: nothing more fits. */
  left(): number {
    if (this.counted === undefined && this.store.room() - this.count <= 0) this.countExactly();
    return this.store.room() - this.count;
  }

  /** Counts a slice just held. */
  add(spans: readonly StoredSpan[]): void {
    this.count +=
      this.counted === undefined ? spans.length : this.store.countNew(spans, this.counted);
  }

  /** Stops following the store; the count is not used after. */
  close(): void {
    this.stopHearing?.();
  }

  private countExactly(): void {
    const counted = (this.counted = new CountedSpans());
    this.count = 0;
    for (const spans of this.held) this.count += this.store.countNew(spans, counted);
    // Another call may store a counted span while this message is decoded (an exporter's retry
    // of the same batch): from then on the store's room pays for it, so the count must not too.
    // The store tells of each span once, when it is first stored.
    this.stopHearing = this.store.onSpans((added) => {
      for (const span of added) if (counted.has(span)) this.count -= 1;
    });
  }
}
