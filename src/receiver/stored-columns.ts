import { flagBits, kindNumber, type SpanColumns } from '../verify/span-columns';
import type { SpanRecord } from '../verify/types';

/**
 * The span store's columns (see `SpanColumns`): typed arrays grown by doubling, written once per
 * stored span. Trace ids and services are interned as small numbers in order of first appearance.
 */
export class StoredColumns {
  private capacity = 0;
  traceOf = new Int32Array(0);
  serviceOf = new Int32Array(0);
  kinds = new Uint8Array(0);
  flags = new Uint8Array(0);
  starts = new Float64Array(0);
  ends = new Float64Array(0);
  parentAt = new Int32Array(0);
  readonly firstOf = new Map<number, number>();
  readonly traceIds: string[] = [];
  readonly serviceNames: string[] = [];
  private readonly traceIndex = new Map<string, number>();
  private readonly serviceIndex = new Map<string, number>();
  // Spans come in batches of one service and mostly one trace: the maps are asked on a change.
  private lastTrace: string | undefined;
  private lastTraceIndex = -1;
  private lastService: string | undefined;
  private lastServiceIndex = -1;

  /** Writes the columns of the span at `position` (the next one); its parent is set apart. */
  append(position: number, span: SpanRecord): void {
    if (position >= this.capacity) this.grow(position + 1);
    const traceId = span.traceId;
    if (traceId !== this.lastTrace) {
      this.lastTrace = traceId;
      let index = this.traceIndex.get(traceId);
      if (index === undefined) {
        index = this.traceIds.push(traceId) - 1;
        this.traceIndex.set(traceId, index);
      }
      this.lastTraceIndex = index;
    }
    const service = span.service;
    if (service !== this.lastService) {
      this.lastService = service;
      let index = this.serviceIndex.get(service);
      if (index === undefined) {
        index = this.serviceNames.push(service) - 1;
        this.serviceIndex.set(service, index);
      }
      this.lastServiceIndex = index;
    }
    this.traceOf[position] = this.lastTraceIndex;
    this.serviceOf[position] = this.lastServiceIndex;
    this.kinds[position] = kindNumber(span.kind);
    this.flags[position] = flagBits(span);
    this.starts[position] = span.startTimeMs;
    this.ends[position] = span.endTimeMs;
    this.parentAt[position] = -1;
  }

  /** The columns as they stand, for the first `length` spans. */
  snapshot(length: number, find: (id: string, traceId: string) => number): SpanColumns {
    return {
      length,
      traceOf: this.traceOf,
      traceIds: this.traceIds,
      serviceOf: this.serviceOf,
      serviceNames: this.serviceNames,
      kinds: this.kinds,
      flags: this.flags,
      starts: this.starts,
      ends: this.ends,
      parentAt: this.parentAt,
      firstOf: this.firstOf,
      find: (id, traceId) => {
        const found = find(id, traceId);
        return found < length ? found : -1;
      },
    };
  }

  private grow(needed: number): void {
    let capacity = Math.max(1024, this.capacity * 2);
    while (capacity < needed) capacity *= 2;
    const copy = <T extends Int32Array | Uint8Array | Float64Array>(old: T, made: T): T => {
      made.set(old);
      return made;
    };
    this.traceOf = copy(this.traceOf, new Int32Array(capacity));
    this.serviceOf = copy(this.serviceOf, new Int32Array(capacity));
    this.kinds = copy(this.kinds, new Uint8Array(capacity));
    this.flags = copy(this.flags, new Uint8Array(capacity));
    this.starts = copy(this.starts, new Float64Array(capacity));
    this.ends = copy(this.ends, new Float64Array(capacity));
    this.parentAt = copy(this.parentAt, new Int32Array(capacity));
    this.capacity = capacity;
  }
}
