import type { SpanRecord } from '../verify/types';

/** Where and how the receiver listens. Every field is optional; defaults follow OTLP's. */
export interface ReceiverOptions {
  /** Address both servers bind to. Default `127.0.0.1` (loopback only). */
  host?: string;
  /** OTLP/HTTP port. Default 4318; 0 picks a free port (read it back from `httpPort`). */
  httpPort?: number;
  /** OTLP/gRPC port. Default 4317; 0 picks a free port; `'disabled'` starts no gRPC server. */
  grpcPort?: number | 'disabled';
  /**
   * Largest request body accepted, in bytes, measured after decompression (and the largest gRPC
   * message). Default 16 MiB. Larger bodies get 413 (gRPC: RESOURCE_EXHAUSTED).
   */
  maxBodyBytes?: number;
  /**
   * Most distinct spans stored. Default 200,000. Past it, new spans are refused with OTLP partial
   * success and counted (`spansOverLimit`), so a flood of valid spans cannot grow memory.
   */
  maxSpans?: number;
  /**
   * How messages name each setting, in the caller's words, so a user knows what to change: the
   * action passes its inputs (`input 'max-spans'`). By default the receiver names its own options
   * (`option maxSpans`): it knows nothing of any caller's inputs.
   */
  labels?: Partial<ReceiverLabels>;
}

export interface ReceiverLabels {
  host: string;
  httpPort: string;
  grpcPort: string;
  maxBodyBytes: string;
  maxSpans: string;
}

/** What the receiver has seen so far. */
export interface ReceiverStats {
  /** Requests that reached the OTLP/HTTP server, whatever their outcome. */
  httpRequests: number;
  /** gRPC `TraceService/Export` calls handled, whatever their outcome. */
  grpcRequests: number;
  /** Requests answered with an error: an HTTP 4xx, or a gRPC error status. */
  failedRequests: number;
  /** Distinct spans stored (a resent span counts once). */
  acceptedSpans: number;
  /** Spans refused for unusable ids, reported to the sender as partial success (not counting
   * `spansOverLimit`). */
  rejectedSpans: number;
  /** Spans received again with a trace id and span id already stored; the first copy is kept. */
  duplicateSpans: number;
  /** Spans refused because `maxSpans` were already stored (also told to the sender). */
  spansOverLimit: number;
}

/** A span the receiver refused, and why. */
export interface RejectedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  reason: string;
}

/** What `waitFor` waits for. All conditions must hold at once; the wait is always bounded. */
export interface WaitForOptions {
  /** Each of these services must have reported at least one span. */
  services?: readonly string[];
  /** At least this many distinct spans must be stored. Default 0. */
  minSpans?: number;
  /** And no new span may have arrived for this long (ms). Default 0. */
  quietMs?: number;
  /** Give up after this long (ms); required, so no wait is unbounded. */
  timeoutMs: number;
  /** Stops the wait early (the result then says `aborted`). */
  signal?: AbortSignal;
}

export interface WaitResult {
  /** True when every condition held before the time ran out. */
  satisfied: boolean;
  outcome: 'satisfied' | 'timeout' | 'aborted' | 'closed';
  /** Services from `services` that had sent nothing when the wait ended. */
  missingServices: string[];
  /** Distinct spans stored when the wait ended. */
  spanCount: number;
  waitedMs: number;
}

/** A running OTLP receiver. Close it in a `finally`: it holds listening sockets. */
export interface Receiver {
  readonly host: string;
  /** The bound OTLP/HTTP port (the real one when 0 was asked for). */
  readonly httpPort: number;
  /** The OTLP/HTTP base URL, e.g. `http://127.0.0.1:4318` (exporters append `/v1/traces`). */
  readonly httpUrl: string;
  /** The bound OTLP/gRPC port, or undefined when gRPC is disabled. */
  readonly grpcPort: number | undefined;
  /** The OTLP/gRPC endpoint, e.g. `http://127.0.0.1:4317`, or undefined when disabled. */
  readonly grpcUrl: string | undefined;
  /** Every accepted span, de-duplicated, in arrival order. */
  spans(): SpanRecord[];
  /** Service names that reported spans, in order of first arrival. */
  services(): string[];
  /** The latest rejected spans (a bounded window, newest last). */
  rejectedSpans(): RejectedSpan[];
  stats(): ReceiverStats;
  /** OTLP/HTTP requests to paths it does not serve, by path (a bounded few). */
  unknownPaths(): { path: string; count: number }[];
  /** Calls `listener` with each batch of newly stored spans; returns the unsubscribe function. */
  onSpans(listener: (spans: readonly SpanRecord[]) => void): () => void;
  waitFor(options: WaitForOptions): Promise<WaitResult>;
  /** Closes both servers and every open connection, and ends pending waits. Idempotent. */
  close(): Promise<void>;
}
