import { keyInto } from '../verify/id-table';
import { withColumns } from '../verify/span-columns';
import type { AttributeValue, SpanKindName, SpanRecord } from '../verify/types';
import { SpanIndex } from './span-index';
import { StoredColumns } from './stored-columns';
import type { ReceiverStats, RejectedSpan, WaitForOptions, WaitResult } from './types';

// Rejections are kept for diagnosis only; a misbehaving exporter must not grow memory without end.
const MAX_REJECTED_KEPT = 100;
/** Spans stored at most, unless the receiver is told otherwise (input `max-spans`). */
export const DEFAULT_MAX_SPANS = 200_000;

type Listener = (spans: readonly SpanRecord[]) => void;

/**
 * The key (`keyInto`) of the span id being stored or counted: written and read within one
 * iteration. An id of 16 hex digits (every exporter's) is its own key; the low half, its last 8
 * digits, is the index's key (`SpanIndex.get`), the same for `add` and `countNew`.
 */
const ID_KEY = new Int32Array(2);

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
 * Spans counted as taking room (`SpanStore.countNew`) but not stored yet: a gRPC message's held
 * slices, once the store is near its cap. Indexed as the store is, so a repeat is one lookup.
 * Never holds more than the store's room and one slice: counting stops there.
 */
export class CountedSpans {
  private readonly spans: SpanRecord[] = [];
  private readonly index = new SpanIndex(this.spans);

  /** Adds `span` (its id's `key`, see `ID_KEY`) unless it is counted already; true if added. */
  addIfNew(key: number, span: SpanRecord): boolean {
    const found = this.index.get(key);
    if (found !== undefined && this.index.isResend(found, span)) return false;
    this.index.add(key, found, span, this.spans.length);
    this.spans.push(span);
    return true;
  }

  /** Whether `span` (the same ids and service) is counted. */
  has(span: SpanRecord): boolean {
    keyInto(span.spanId, ID_KEY, 0);
    const found = this.index.get(ID_KEY[1]!);
    return found !== undefined && this.index.isResend(found, span);
  }
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
  private readonly inOrder: SpanRecord[] = [];
  private readonly index = new SpanIndex(this.inOrder);
  /**
   * The columns the verifier reads (`SpanColumns`): written once as each span is stored, never
   * sized past `maxSpans`.
   */
  private readonly columns: StoredColumns;
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
  ) {
    this.columns = new StoredColumns(maxSpans);
  }

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

  /**
   * How many of `spans` are neither stored nor among `counted` (spans counted before and not
   * stored yet, a held message's): the room they would take. Those are added to `counted`, so a
   * span repeated inside one message takes room once.
   */
  countNew(spans: readonly SpanRecord[], counted: CountedSpans): number {
    let count = 0;
    for (const span of spans) {
      keyInto(span.spanId, ID_KEY, 0);
      const key = ID_KEY[1]!;
      const found = this.index.get(key);
      if (found !== undefined && this.index.isResend(found, span)) continue;
      if (counted.addIfNew(key, span)) count += 1;
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
    const idKey = ID_KEY;
    // What was stored is counted and heard of even when a later span of the batch is not (its
    // columns failed to grow): a retry then finds those spans stored, as duplicates.
    try {
      for (const span of spans) {
        // The id is parsed once, for the columns' key and the index's (its low half).
        const idExact = keyInto(span.spanId, idKey, 0);
        const key = idKey[1]!;
        // One lookup per span: the entry found decides whether it is a resend and where it goes.
        const found = this.index.get(key);
        if (found !== undefined && this.index.isResend(found, span)) {
          this.counters.duplicateSpans += 1;
        } else if (this.inOrder.length >= this.maxSpans) {
          overLimit += 1;
        } else {
          const position = this.inOrder.length;
          // The columns first: growing them is what can fail (an allocation), and then neither
          // the span list nor the index has the span, so the three stay in step.
          this.columns.append(position, span, idKey[0]!, idKey[1]!, idExact);
          this.inOrder.push(span);
          this.index.add(key, found, span, position);
          // A batch's spans mostly share their service: the set is asked once per run of them.
          if (span.service !== lastService) this.serviceNames.add((lastService = span.service));
          added.push(span);
        }
      }
    } finally {
      this.counters.spansOverLimit += overLimit;
      if (added.length > 0) {
        this.counters.acceptedSpans += added.length;
        this.lastNewSpanAt = Date.now();
        for (const listener of [...this.listeners]) listener(added);
      }
    }
    return overLimit;
  }

  /** The stored spans in order; the array carries the columns (`SpanColumns`) of its spans. */
  spans(): SpanRecord[] {
    const spans = [...this.inOrder];
    return withColumns(spans, this.columns.snapshot(spans.length));
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
