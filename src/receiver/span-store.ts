import { withColumns } from '../verify/span-columns';
import type { AttributeValue, SpanKindName, SpanRecord } from '../verify/types';
import { StoredColumns } from './stored-columns';
import type { ReceiverStats, RejectedSpan, WaitForOptions, WaitResult } from './types';

// Rejections are kept for diagnosis only; a misbehaving exporter must not grow memory without end.
const MAX_REJECTED_KEPT = 100;
/** Spans stored at most, unless the receiver is told otherwise (input `max-spans`). */
export const DEFAULT_MAX_SPANS = 200_000;

type Listener = (spans: readonly SpanRecord[]) => void;

/**
 * The stored form of a span: a `SpanRecord` built by one constructor, so every stored span shares
 * one hidden class with its fields in-object (no dictionary, no per-span key string), and the
 * strings a batch repeats (service, kind) are shared rather than copied.
 */
export class StoredSpan implements SpanRecord {
  constructor(
    readonly traceId: string,
    readonly spanId: string,
    readonly parentSpanId: string | undefined,
    readonly parentIsRemote: boolean | undefined,
    readonly name: string,
    readonly kind: SpanKindName,
    readonly service: string,
    readonly startTimeMs: number,
    readonly endTimeMs: number,
    readonly attributes: Record<string, AttributeValue>,
    readonly sampled: boolean | undefined,
  ) {}
}

/**
 * Everything the receiver has accepted, shared by the HTTP and gRPC servers, with the counters and
 * the event-driven waits the verifier uses. Exporters resend batches they are unsure about (OTLP,
 * "Duplicate Data"), so spans are de-duplicated by trace id + span id + service and the first copy
 * wins. Another service's span with the same ids is no resend but an id collision: it is kept,
 * for the verifier to name (span_ids_unique).
 * Past `maxSpans` distinct spans, new ones are refused and counted: a flood cannot grow memory.
 */
export class SpanStore {
  // Keyed by the span id's last 8 hex digits as a small integer (ids are random, so a clash is
  // rare), each entry the span's position in `inOrder`; a clash (another trace's span with the
  // same id, or another id with the same digits) holds an array. An integer key spares a
  // composite key string per span, and hashing and comparing each new id string in the map.
  // Split in 16 maps by the id's last hex digit: a map that outgrows its table rehashes every
  // entry in one go, which for one map of 262,144 spans held the event loop for about 50 ms; a
  // sixteenth of that is a few ms. A clash past CLASH_LIST_MAX spans becomes a map by the whole
  // identity (see `Clash`).
  private readonly bySpanId = Array.from(
    { length: SPAN_ID_SHARDS },
    () => new Map<number, number | Clash>(),
  );
  private readonly inOrder: SpanRecord[] = [];
  /**
   * The columns the verifier reads (`SpanColumns`), with each span's parent resolved as it is
   * stored: looked up among the stored spans, or, when it has not come yet (children end, and are
   * exported, before their parents), noted in `waiting` under the parent id's key and set when
   * the parent comes.
   */
  private readonly columns = new StoredColumns();
  private readonly waiting = new Map<number, number | number[]>();
  /**
   * False once ids clash past what the columns resolve cheaply (a clash map, or waiting spans
   * read in vain past a budget): from then on, snapshots carry no columns and the
   * verifier reads the span objects, as it does for any other array of spans.
   */
  private columnsExact = true;
  /** Waiting spans read by a span that was not their parent (see `resolveWaiting`). */
  private readInVain = 0;
  private readonly serviceNames = new Set<string>();
  private readonly rejected: RejectedSpan[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly pendingWaits = new Set<(outcome: WaitResult['outcome']) => void>();
  private readonly counters: ReceiverStats = {
    httpRequests: 0,
    grpcRequests: 0,
    failedRequests: 0,
    acceptedSpans: 0,
    rejectedSpans: 0,
    duplicateSpans: 0,
    spansOverLimit: 0,
  };
  private lastNewSpanAt: number | undefined;
  private closed = false;

  constructor(
    readonly maxSpans: number = DEFAULT_MAX_SPANS,
    /** Names the cap when spans are refused past it, in the caller's words (`input 'max-spans'`). */
    readonly limitLabel = 'option maxSpans',
  ) {}

  /** How many more distinct spans fit under the cap. */
  room(): number {
    return Math.max(0, this.maxSpans - this.inOrder.length);
  }

  /** True once `close()` ran: decoders still at work stop early. */
  get isClosed(): boolean {
    return this.closed;
  }

  noteRequest(transport: 'http' | 'grpc'): void {
    if (transport === 'http') this.counters.httpRequests += 1;
    else this.counters.grpcRequests += 1;
  }

  noteFailedRequest(): void {
    this.counters.failedRequests += 1;
  }

  /** Counts `count` rejected spans and keeps `spans`, examples of them, in a bounded window. */
  noteRejected(spans: readonly RejectedSpan[], count = spans.length): void {
    this.counters.rejectedSpans += count;
    this.rejected.push(...spans);
    if (this.rejected.length > MAX_REJECTED_KEPT) {
      this.rejected.splice(0, this.rejected.length - MAX_REJECTED_KEPT);
    }
  }

  /** Counts spans refused without being decoded, because the store was already full. */
  noteOverLimit(count: number): void {
    this.counters.spansOverLimit += count;
  }

  /** The map holding a key: the one of its low 4 bits (the id's last hex digit). */
  private shardOf(key: number): Map<number, number | Clash> {
    return this.bySpanId[key & (SPAN_ID_SHARDS - 1)]!;
  }

  /**
   * How many of `spans` are not stored yet: the room they would take. (Spans repeated inside
   * `spans` count each time, as an upper bound.)
   */
  countNew(spans: readonly SpanRecord[]): number {
    let count = 0;
    for (const span of spans) {
      const key = keyOf(span.spanId);
      const found = this.shardOf(key).get(key);
      if (found === undefined || !this.isResend(found, span)) count += 1;
    }
    return count;
  }

  /**
   * Stores the spans not seen before and tells listeners about them. Returns how many were
   * refused because the store is full (duplicates of stored spans are not refused, only counted).
   */
  add(spans: readonly SpanRecord[]): number {
    const added: SpanRecord[] = [];
    let overLimit = 0;
    let lastService: string | undefined;
    for (const span of spans) {
      // One lookup per span: the entry found decides both whether it is a resend and where to keep it.
      const key = keyOf(span.spanId);
      const shard = this.shardOf(key);
      const found = shard.get(key);
      if (found !== undefined && this.isResend(found, span)) {
        this.counters.duplicateSpans += 1;
      } else if (this.inOrder.length >= this.maxSpans) {
        overLimit += 1;
      } else {
        const position = this.inOrder.length;
        if (found === undefined) shard.set(key, position);
        else if (found instanceof Map) found.set(identityOf(span), position);
        else if (!Array.isArray(found)) shard.set(key, [found, position]);
        else if (found.length < CLASH_LIST_MAX) found.push(position);
        else shard.set(key, this.clashMap(found, span, position));
        this.inOrder.push(span);
        this.columns.append(position, span);
        if (found !== undefined && this.columnsExact) this.noteCollision(position, span);
        this.resolveParent(position, span);
        if (this.waiting.size !== 0) this.resolveWaiting(key, position, span);
        // A batch's spans mostly share their service: the set is asked once per run of them.
        if (span.service !== lastService) this.serviceNames.add((lastService = span.service));
        added.push(span);
      }
    }
    this.counters.spansOverLimit += overLimit;
    if (added.length === 0) return overLimit;
    this.counters.acceptedSpans += added.length;
    this.lastNewSpanAt = Date.now();
    for (const listener of [...this.listeners]) listener(added);
    return overLimit;
  }

  /** The stored spans in order; the array carries the columns (`SpanColumns`) of its spans. */
  spans(): SpanRecord[] {
    const spans = [...this.inOrder];
    if (!this.columnsExact) return spans;
    return withColumns(
      spans,
      this.columns.snapshot(spans.length, (id, traceId) => this.firstOfId(id, traceId)),
    );
  }

  /** The position of the first stored span of `traceId` with id `id`, or -1. */
  private firstOfId(id: string, traceId: string): number {
    const key = keyOf(id);
    const found = this.shardOf(key).get(key);
    if (found === undefined) return -1;
    if (typeof found === 'number') return this.isSpan(found, id, traceId) ? found : -1;
    if (Array.isArray(found)) {
      for (const position of found) if (this.isSpan(position, id, traceId)) return position;
      return -1;
    }
    // Not reached while `columnsExact` holds (a clash map turns it off); kept correct anyway.
    let first = -1;
    for (const position of found.values()) {
      if (this.isSpan(position, id, traceId) && (first < 0 || position < first)) first = position;
    }
    return first;
  }

  private isSpan(position: number, id: string, traceId: string): boolean {
    const stored = this.inOrder[position]!;
    return stored.spanId === id && stored.traceId === traceId;
  }

  /** A span whose id an earlier span of its trace has (another service's): noted for the verifier. */
  private noteCollision(position: number, span: SpanRecord): void {
    const first = this.firstOfId(span.spanId, span.traceId);
    if (first !== position) this.columns.firstOf.set(position, first);
  }

  /** Sets the span's parent position when its parent is stored, else waits for it. */
  private resolveParent(position: number, span: SpanRecord): void {
    const parentId = span.parentSpanId;
    if (parentId === undefined || !this.columnsExact) return;
    const parent = this.firstOfId(parentId, span.traceId);
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
      const stored = this.inOrder[child]!;
      return stored.parentSpanId === span.spanId && stored.traceId === span.traceId;
    };
    if (typeof waiting === 'number') {
      if (!isChild(waiting)) {
        this.readInVain += 1;
        return;
      }
      this.columns.parentAt[waiting] = position;
      this.waiting.delete(key);
      return;
    }
    const left: number[] = [];
    for (const child of waiting) {
      if (isChild(child)) this.columns.parentAt[child] = position;
      else left.push(child);
    }
    if (left.length === 0) this.waiting.delete(key);
    else if (left.length !== waiting.length) this.waiting.set(key, left);
    // A parent's children wait under its key and are read once, when it comes. Other spans with
    // the same key (ids chosen to clash) would read them again and again: past a budget linear
    // in the spans stored, the columns are given up rather than let that grow quadratic.
    this.readInVain += left.length;
    if (this.readInVain > WAITING_BUDGET + 4 * this.inOrder.length) this.giveUpColumns();
  }

  /** Ids clash past what the columns resolve cheaply: snapshots carry no columns from now on. */
  private giveUpColumns(): void {
    this.columnsExact = false;
    this.waiting.clear();
  }

  /** Whether `span` is a resend of the span, or one of the spans, stored under its key. */
  private isResend(found: number | Clash, span: SpanRecord): boolean {
    if (found instanceof Map) return found.has(identityOf(span));
    if (typeof found === 'number') return sameSpan(this.inOrder[found]!, span);
    return found.some((stored) => sameSpan(this.inOrder[stored]!, span));
  }

  private clashMap(
    list: readonly number[],
    span: SpanRecord,
    position: number,
  ): Map<string, number> {
    this.giveUpColumns();
    const map = new Map<string, number>();
    for (const stored of list) map.set(identityOf(this.inOrder[stored]!), stored);
    map.set(identityOf(span), position);
    return map;
  }

  services(): string[] {
    return [...this.serviceNames];
  }

  rejectedSpans(): RejectedSpan[] {
    return [...this.rejected];
  }

  stats(): ReceiverStats {
    return { ...this.counters };
  }

  onSpans(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Resolves once every condition holds, or when `timeoutMs` passes, the signal aborts or the
   * store closes; it never rejects, so a caller can report what was missing. Driven by arrivals
   * and timers only: no polling.
   */
  waitFor(options: WaitForOptions): Promise<WaitResult> {
    const { services = [], minSpans = 0, quietMs = 0, timeoutMs, signal } = options;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new RangeError(`waitFor needs a finite timeoutMs >= 0, got ${timeoutMs}`);
    }
    const startedAt = Date.now();
    return new Promise<WaitResult>((resolve) => {
      let quietTimer: NodeJS.Timeout | undefined;
      let done = false;
      const finish = (outcome: WaitResult['outcome']): void => {
        if (done) return;
        done = true;
        clearTimeout(quietTimer);
        clearTimeout(deadlineTimer);
        unsubscribe();
        signal?.removeEventListener('abort', onAbort);
        this.pendingWaits.delete(finish);
        resolve({
          satisfied: outcome === 'satisfied',
          outcome,
          missingServices: services.filter((service) => !this.serviceNames.has(service)),
          spanCount: this.inOrder.length,
          waitedMs: Date.now() - startedAt,
        });
      };
      const check = (): void => {
        clearTimeout(quietTimer);
        if (done) return;
        if (services.some((service) => !this.serviceNames.has(service))) return;
        if (this.inOrder.length < minSpans) return;
        // Quiet is measured from the last new span, or from the start when none came yet.
        const quietFor = Date.now() - (this.lastNewSpanAt ?? startedAt);
        if (quietFor >= quietMs) finish('satisfied');
        else quietTimer = setTimeout(check, quietMs - quietFor);
      };
      const onAbort = (): void => finish('aborted');
      const deadlineTimer = setTimeout(() => finish('timeout'), timeoutMs);
      const unsubscribe = this.onSpans(check);
      this.pendingWaits.add(finish);
      if (this.closed) return finish('closed');
      if (signal?.aborted) return finish('aborted');
      signal?.addEventListener('abort', onAbort, { once: true });
      check();
    });
  }

  /** Ends every pending wait (outcome `closed`) and refuses new ones; stored spans stay readable. */
  close(): void {
    this.closed = true;
    for (const finish of [...this.pendingWaits]) finish('closed');
    this.listeners.clear();
  }
}

const SPAN_ID_SHARDS = 16;

/**
 * A span id's key: the values of its last 8 hex digits (ids are validated hex before they are
 * stored), as a 32-bit integer; its low 4 bits, the last digit, pick the map. Another string
 * still makes some key, and an entry always compares the whole id.
 */
function keyOf(spanId: string): number {
  let key = 0;
  for (let index = Math.max(0, spanId.length - 8); index < spanId.length; index += 1) {
    const code = spanId.charCodeAt(index);
    key = (key << 4) | ((code <= 57 ? code - 48 : code - 87) & 15);
  }
  return key;
}

/**
 * The spans stored under one key: a short list, scanned, or past CLASH_LIST_MAX a map by
 * identity. Random ids rarely clash, but ids are chosen by the services under test: thousands
 * of spans sharing an id's last 8 digits, or one span id sent in thousands of traces, would make
 * a list scanned on every add quadratic (a stalled verdict). In the map each add is one lookup.
 */
type Clash = number[] | Map<string, number>;

/** Waiting spans read in vain before the columns are given up, besides 4 per stored span. */
const WAITING_BUDGET = 100_000;

const CLASH_LIST_MAX = 8;

/** What makes a span distinct: hex span and trace ids hold no space, so the key is unambiguous. */
function identityOf(span: SpanRecord): string {
  return `${span.spanId} ${span.traceId} ${span.service}`;
}

/** The same span sent again: same trace, same id, same service. */
function sameSpan(stored: SpanRecord, span: SpanRecord): boolean {
  return (
    stored.spanId === span.spanId &&
    stored.traceId === span.traceId &&
    stored.service === span.service
  );
}
