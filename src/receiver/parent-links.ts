import type { SpanRecord } from '../verify/types';
import { keyOf } from './span-index';
import type { StoredColumns } from './stored-columns';

/**
 * Each stored span's parent, resolved as the span is stored (`SpanColumns.parentAt`): looked up
 * among the stored spans, or, when it has not come yet (children end, and are exported, before
 * their parents), noted under the parent id's key and set when the parent comes. Also notes the
 * spans whose id an earlier span of their trace has (id collisions, `SpanColumns.firstOf`).
 */
export class ParentLinks {
  /**
   * False once ids clash past what this resolves cheaply (a clash map in the store, or waiting
   * spans read in vain past a budget): from then on, snapshots carry no columns and the
   * verifier reads the span objects, as it does for any other array of spans.
   */
  exact = true;
  private readonly waiting = new Map<number, number | number[]>();
  /** Waiting spans read by a span that was not their parent (see `resolveWaiting`). */
  private readInVain = 0;

  constructor(
    private readonly spans: readonly SpanRecord[],
    private readonly columns: StoredColumns,
    /** The position of the first stored span of `traceId` with id `id`, or -1. */
    private readonly find: (id: string, traceId: string) => number,
  ) {}

  /**
   * The span at `position` was stored under `key` (its id's); `clashed`: other spans were
   * stored under that key before it.
   */
  stored(position: number, span: SpanRecord, key: number, clashed: boolean): void {
    if (!this.exact) return;
    if (clashed) {
      const first = this.find(span.spanId, span.traceId);
      if (first !== position) this.columns.firstOf.set(position, first);
    }
    this.resolveParent(position, span);
    if (this.waiting.size !== 0) this.resolveWaiting(key, position, span);
  }

  /** Ids clash past what the columns resolve cheaply: snapshots carry no columns from now on. */
  giveUp(): void {
    this.exact = false;
    this.waiting.clear();
  }

  /** Sets the span's parent position when its parent is stored, else waits for it. */
  private resolveParent(position: number, span: SpanRecord): void {
    const parentId = span.parentSpanId;
    if (parentId === undefined) return;
    const parent = this.find(parentId, span.traceId);
    if (parent >= 0) {
      this.columns.parentAt[position] = parent;
      return;
    }
    const key = keyOf(parentId);
    const waiting = this.waiting.get(key);
    if (waiting === undefined) this.waiting.set(key, position);
    else if (typeof waiting === 'number') this.waiting.set(key, [waiting, position]);
    else waiting.push(position);
  }

  /** Spans waiting for a parent with the new span's key: those whose parent it is get it. */
  private resolveWaiting(key: number, position: number, span: SpanRecord): void {
    const waiting = this.waiting.get(key);
    if (waiting === undefined) return;
    const isChild = (child: number): boolean => {
      const stored = this.spans[child]!;
      return stored.parentSpanId === span.spanId && stored.traceId === span.traceId;
    };
    let left: number[] | undefined;
    if (typeof waiting === 'number') {
      if (isChild(waiting)) {
        this.columns.parentAt[waiting] = position;
        this.waiting.delete(key);
      } else this.readInVain += 1;
    } else {
      left = [];
      for (const child of waiting) {
        if (isChild(child)) this.columns.parentAt[child] = position;
        else left.push(child);
      }
      if (left.length === 0) this.waiting.delete(key);
      else if (left.length !== waiting.length) this.waiting.set(key, left);
      this.readInVain += left.length;
    }
    // A parent's children wait under its key and are read once, when it comes. Other spans with
    // the same key (ids chosen to clash) would read them again and again: past a budget linear
    // in the spans stored, the columns are given up rather than let that grow quadratic.
    if (this.readInVain > WAITING_BUDGET + 4 * this.spans.length) this.giveUp();
  }
}

/** Waiting spans read in vain before the columns are given up, besides 4 per stored span. */
const WAITING_BUDGET = 100_000;
