import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { SpanBatch } from './span-batch';
import { HeldRoom } from './held-room';
import type { SpanStore, StoredSpan } from './span-store';
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
 * A call that may end before its message is decoded (a gRPC call reset by its client, or past its
 * deadline): its spans are held until the whole message is decoded, and stored only if the call
 * is still on then, so an export that did not complete stores and counts nothing.
 */
export interface CallGuard {
  /** True once the call is over (reset, deadline): decoding stops and nothing is stored. */
  ended(): boolean;
  /** Called once the message is decoded, before its spans are stored: the call counts now. */
  committing(): void;
}

/** Thrown by `ingest` when its call ended before the message was decoded: nothing was stored. */
export class CallEndedError extends Error {
  constructor() {
    super('The call ended before its message was decoded; none of its spans were stored.');
  }
}

/**
 * Decodes a request's spans and stores the valid ones: the one path both transports share. Spans
 * are decoded and stored slice by slice, so memory stays bounded by the cap and the event loop is
 * never held for long. Once the store is full, the remaining spans are counted and refused without
 * being decoded. A malformed span refuses the request (400 / INVALID_ARGUMENT); valid spans of
 * earlier slices may already be stored by then, which is harmless: they are spans as sent.
 * With a `call` (gRPC), the decoded slices are held (bounded by the message, already in memory)
 * and stored once the whole message is decoded and the call still on (see CallGuard).
 */
export async function ingest(
  source: SpanSource,
  store: SpanStore,
  call?: CallGuard,
): Promise<IngestOutcome> {
  // Examples kept for the message and the store's window; all of them are counted.
  const rejected: RejectedSpan[] = [];
  let rejectedCount = 0;
  let overLimit = 0;
  let undecoded = 0;
  const held: StoredSpan[][] = [];
  const pause = pauser(store);
  // Held slices take room too, as if stored already (see HeldRoom).
  const room = new HeldRoom(store, held);
  try {
    for (let from = 0; from < source.count; from += SLICE_SPANS) {
      if (call?.ended() === true) throw new CallEndedError();
      if (room.left() <= 0) {
        undecoded = source.count - from;
        break;
      }
      const batch = new SpanBatch(source.idsAreHex);
      source.decode(from, Math.min(source.count, from + SLICE_SPANS), batch);
      if (call === undefined) overLimit += store.add(batch.spans);
      else {
        held.push(batch.spans);
        room.add(batch.spans);
      }
      rejectedCount += batch.rejected.length;
      rejected.push(...batch.rejected.slice(0, REJECTIONS_KEPT - rejected.length));
      await pause();
    }
  } finally {
    room.close();
  }
  if (call !== undefined) {
    if (call.ended()) throw new CallEndedError();
    // From here the call counts, even if it is reset while its slices are stored.
    call.committing();
    for (const spans of held) {
      overLimit += store.add(spans);
      await pause();
    }
  }
  if (undecoded > 0) {
    overLimit += undecoded;
    store.noteOverLimit(undecoded);
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
