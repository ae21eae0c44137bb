import type { SpanRecord } from '../verify/types';
import type { ReceiverStats, RejectedSpan, WaitForOptions, WaitResult } from './types';

// Rejections are kept for diagnosis only; a misbehaving exporter must not grow memory without end.
const MAX_REJECTED_KEPT = 100;

type Listener = (spans: readonly SpanRecord[]) => void;

/**
 * Everything the receiver has accepted, shared by the HTTP and gRPC servers, with the counters and
 * the event-driven waits the verifier uses. Exporters resend batches they are unsure about (OTLP,
 * "Duplicate Data"), so spans are keyed by trace id + span id and the first copy wins.
 */
export class SpanStore {
  private readonly byKey = new Map<string, SpanRecord>();
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
  };
  private lastNewSpanAt: number | undefined;
  private closed = false;

  noteRequest(transport: 'http' | 'grpc'): void {
    if (transport === 'http') this.counters.httpRequests += 1;
    else this.counters.grpcRequests += 1;
  }

  noteFailedRequest(): void {
    this.counters.failedRequests += 1;
  }

  noteRejected(spans: readonly RejectedSpan[]): void {
    this.counters.rejectedSpans += spans.length;
    this.rejected.push(...spans);
    if (this.rejected.length > MAX_REJECTED_KEPT) {
      this.rejected.splice(0, this.rejected.length - MAX_REJECTED_KEPT);
    }
  }

  /** Stores the spans not seen before and tells listeners about them. */
  add(spans: readonly SpanRecord[]): void {
    const added: SpanRecord[] = [];
    for (const span of spans) {
      const key = `${span.traceId}-${span.spanId}`;
      if (this.byKey.has(key)) {
        this.counters.duplicateSpans += 1;
        continue;
      }
      this.byKey.set(key, span);
      this.serviceNames.add(span.service);
      added.push(span);
    }
    if (added.length === 0) return;
    this.counters.acceptedSpans += added.length;
    this.lastNewSpanAt = Date.now();
    for (const listener of [...this.listeners]) listener(added);
  }

  spans(): SpanRecord[] {
    return [...this.byKey.values()];
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
          spanCount: this.byKey.size,
          waitedMs: Date.now() - startedAt,
        });
      };
      const check = (): void => {
        clearTimeout(quietTimer);
        if (done) return;
        if (services.some((service) => !this.serviceNames.has(service))) return;
        if (this.byKey.size < minSpans) return;
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
