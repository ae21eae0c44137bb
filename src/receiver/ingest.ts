import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { SpanBatch } from './span-batch';
import type { SpanStore } from './span-store';
import type { RejectedSpan } from './types';

/** A decoded request's spans, readable in slices (the protobuf and the JSON index). */
export interface SpanSource {
  readonly count: number;
  /** True when ids are hex by construction (made from bytes), so only their length is checked. */
  readonly idsAreHex: boolean;
  /** Decodes spans [from, to) into the batch; throws a DecodeError on a malformed span. */
  decode(from: number, to: number, batch: SpanBatch): void;
}

export interface IngestOutcome {
  /** Spans refused: unusable ids, or past the store's cap. */
  rejectedSpans: number;
  /** For `partial_success.error_message`; empty when nothing was rejected. */
  errorMessage: string;
}

// The response must stay small (OTLP caps it); a few examples explain the problem well enough.
const REASONS_SHOWN = 5;
// As many examples as the store keeps (its window of the latest rejections).
const REJECTIONS_KEPT = 100;
// Decoding runs in slices of this many spans; after a slice, once this much time has passed since
// the event loop last ran, it yields to it, so timers (the run's deadline), signals and other
// requests are served during a large batch.
const SLICE_SPANS = 512;
const YIELD_AFTER_MS = 10;

/**
 * Decodes a request's spans and stores the valid ones: the one path both transports share. Spans
 * are decoded and stored slice by slice, so memory stays bounded by the cap and the event loop is
 * never held for long. Once the store is full, the remaining spans are counted and refused without
 * being decoded. A malformed span refuses the request (400 / INVALID_ARGUMENT); valid spans of
 * earlier slices may already be stored by then, which is harmless: they are spans as sent.
 */
export async function ingest(source: SpanSource, store: SpanStore): Promise<IngestOutcome> {
  // Examples kept for the message and the store's window; all of them are counted.
  const rejected: RejectedSpan[] = [];
  let rejectedCount = 0;
  let overLimit = 0;
  const pause = pauser(store);
  for (let from = 0; from < source.count; from += SLICE_SPANS) {
    if (store.room() === 0) {
      overLimit += source.count - from;
      store.noteOverLimit(source.count - from);
      break;
    }
    const batch = new SpanBatch(source.idsAreHex);
    source.decode(from, Math.min(source.count, from + SLICE_SPANS), batch);
    overLimit += store.add(batch.spans);
    rejectedCount += batch.rejected.length;
    rejected.push(...batch.rejected.slice(0, REJECTIONS_KEPT - rejected.length));
    await pause();
  }
  store.noteRejected(rejected, rejectedCount);
  const messages = [
    describeRejections(rejected, rejectedCount),
    describeOverLimit(overLimit, store),
  ];
  return {
    rejectedSpans: rejectedCount + overLimit,
    errorMessage: messages.filter((message) => message !== '').join(' '),
  };
}

/** A function to call after each slice: it yields to the event loop once a slice ran long. */
function pauser(store: SpanStore): () => Promise<void> {
  let ranAt = performance.now();
  return async () => {
    if (performance.now() - ranAt < YIELD_AFTER_MS) return;
    await yieldToEventLoop();
    if (store.isClosed) throw new Error('The receiver closed while the request was decoded.');
    ranAt = performance.now();
  };
}

function describeRejections(rejected: readonly RejectedSpan[], count: number): string {
  if (count === 0) return '';
  const shown = rejected
    .slice(0, REASONS_SHOWN)
    .map((span) => `span ${JSON.stringify(span.name)} of ${span.service}: ${span.reason}`);
  const more = count > REASONS_SHOWN ? `; and ${count - REASONS_SHOWN} more` : '';
  const noun = count === 1 ? 'span was' : 'spans were';
  return `${count} ${noun} rejected for unusable ids: ${shown.join('; ')}${more}.`;
}

function describeOverLimit(overLimit: number, store: SpanStore): string {
  if (overLimit === 0) return '';
  const noun = overLimit === 1 ? 'span was' : 'spans were';
  return `${overLimit} ${noun} refused: the receiver stores at most ${store.maxSpans} spans (${store.limitLabel}).`;
}
