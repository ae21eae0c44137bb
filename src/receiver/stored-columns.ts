import { keyInto } from '../verify/id-table';
import { flagBits, HASHED, KIND, kindNumber, type SpanColumns } from '../verify/span-columns';
import { spanPort } from '../verify/trace-graph';
import type { SpanRecord } from '../verify/types';

/**
 * The span store's columns (see `SpanColumns`): typed arrays grown by doubling, but never past
 * the store's cap (`limit`, input `max-spans`), written once per stored span. Trace ids and
 * services are interned as small numbers in order of first appearance; span and parent ids kept
 * as their keys (two 32-bit halves, parsed once).
 */
export class StoredColumns {
  private capacity = 0;
  private traceOf = new Int32Array(0);
  private serviceOf = new Int32Array(0);
  private kinds = new Uint8Array(0);
  private flags = new Uint8Array(0);
  private starts = new Float64Array(0);
  private ends = new Float64Array(0);
  private ports = new Float64Array(0);
  private idKeys = new Int32Array(0);
  private parentKeys = new Int32Array(0);
  private readonly traceIds: string[] = [];
  private readonly serviceNames: string[] = [];
  private readonly traceIndex = new Map<string, number>();
  private readonly serviceIndex = new Map<string, number>();
  // Spans come in batches of one service and mostly one trace: the maps are asked on a change.
  private lastTrace: string | undefined;
  private lastTraceIndex = -1;
  private lastService: string | undefined;
  private lastServiceIndex = -1;

  /** `limit`: the most spans the columns will ever hold (the store's cap). */
  constructor(private readonly limit: number) {}

  /**
   * Writes the columns of the span at `position` (the next one, below `limit`), whose id's key
   * (`keyInto`) is `idHigh`, `idLow`, `idExact`: the store parsed the id once for its index too.
   * Throws (only when growing cannot allocate) before writing anything.
   */
  append(
    position: number,
    span: SpanRecord,
    idHigh: number,
    idLow: number,
    idExact: boolean,
  ): void {
    if (position >= this.capacity) this.grow(position + 1);
    const traceId = span.traceId;
    if (traceId !== this.lastTrace) {
      this.lastTrace = traceId;
      this.lastTraceIndex = intern(this.traceIndex, this.traceIds, traceId);
    }
    const service = span.service;
    if (service !== this.lastService) {
      this.lastService = service;
      this.lastServiceIndex = intern(this.serviceIndex, this.serviceNames, service);
    }
    this.traceOf[position] = this.lastTraceIndex;
    this.serviceOf[position] = this.lastServiceIndex;
    const kind = kindNumber(span.kind);
    this.kinds[position] = kind;
    // A server span's port, read from its attributes while they are fresh (NaN: none).
    this.ports[position] = kind === KIND.server ? (spanPort(span) ?? NaN) : NaN;
    let bits = flagBits(span);
    this.idKeys[position * 2] = idHigh;
    this.idKeys[position * 2 + 1] = idLow;
    if (!idExact) bits |= HASHED.id;
    const parentId = span.parentSpanId;
    if (parentId !== undefined && !keyInto(parentId, this.parentKeys, position * 2))
      bits |= HASHED.parent;
    this.flags[position] = bits;
    this.starts[position] = span.startTimeMs;
    this.ends[position] = span.endTimeMs;
  }

  /** The columns as they stand, for the first `length` spans. */
  snapshot(length: number): SpanColumns {
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
      ports: this.ports,
      idKeys: this.idKeys,
      parentKeys: this.parentKeys,
    };
  }

  /**
   * Room for at least `needed` spans: twice the room, at most `limit` (at `max-spans` 10M,
   * doubling from 1,024 reached 16.8M spans, 839 MB of columns, for at most 10M spans). The new
   * arrays are all allocated before any replaces an old one, so a failed allocation leaves the
   * columns as they were.
   */
  private grow(needed: number): void {
    let capacity = Math.max(1024, this.capacity * 2);
    while (capacity < needed) capacity *= 2;
    capacity = Math.max(needed, Math.min(capacity, this.limit));
    const copy = <T extends Int32Array | Uint8Array | Float64Array>(old: T, made: T): T => {
      made.set(old);
      return made;
    };
    const traceOf = copy(this.traceOf, new Int32Array(capacity));
    const serviceOf = copy(this.serviceOf, new Int32Array(capacity));
    const kinds = copy(this.kinds, new Uint8Array(capacity));
    const flags = copy(this.flags, new Uint8Array(capacity));
    const starts = copy(this.starts, new Float64Array(capacity));
    const ends = copy(this.ends, new Float64Array(capacity));
    const ports = copy(this.ports, new Float64Array(capacity));
    const idKeys = copy(this.idKeys, new Int32Array(capacity * 2));
    const parentKeys = copy(this.parentKeys, new Int32Array(capacity * 2));
    this.traceOf = traceOf;
    this.serviceOf = serviceOf;
    this.kinds = kinds;
    this.flags = flags;
    this.starts = starts;
    this.ends = ends;
    this.ports = ports;
    this.idKeys = idKeys;
    this.parentKeys = parentKeys;
    this.capacity = capacity;
  }
}

/** The number of `value` in `names` (in order of first appearance), added when new. */
function intern(numbers: Map<string, number>, names: string[], value: string): number {
  let number = numbers.get(value);
  if (number === undefined) {
    number = names.push(value) - 1;
    numbers.set(value, number);
  }
  return number;
}
