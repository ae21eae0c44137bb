import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { located, parsedJsonSource, readSpan } from './decode-json-parsed';
import type { SpanSource } from './ingest';
import { type ScannedJsonIndex, newIndex, scanBody, scanJson } from './json-span-bounds';
import { recentFields } from './json-recent';
import { readSpanFast } from './json-span-reader';
import { FALLBACK } from './json-syntax';
import { FieldError } from './json-values';
import type { SpanBatch } from './span-batch';
import { StoredSpan } from './span-store';

// The first pass's driver (`jsonSource`), like `ingest`, lets the event loop run once this much
// time has passed.
const YIELD_AFTER_MS = 10;
// Spans read in the pass are held until the whole body is validated; past this many per request
// the rest are read later, slice by slice, so a large or hostile body (millions of `{}` spans,
// each a rejected record) holds a bounded number of records beside its bytes.
export const READ_IN_PASS_MAX = 16_384;

/**
 * An OTLP/JSON request's spans, for `ingest`. The body is read from its bytes, without building
 * the object graph: one pass validates it, finds where each span lies (and each resource's
 * `service.name`) and reads each span as it goes, keeping only the fields the verifier uses;
 * `ingest` stores the spans read once the whole body is known to be valid. At most `limit` spans
 * (the store's room: spans past it are refused unread), and at most READ_IN_PASS_MAX, are read
 * in that pass; any others are read later from their bounds, slice by slice. A body whose outer
 * levels are out of the ordinary (invalid JSON, a wrong type, a key given twice, an escaped key,
 * null) takes the generic path, which refuses it with the same message as always, or reads it;
 * so does a single unusual span (see `json-span-reader.ts`). The pass yields to the event loop as
 * decoding does (`ingest`), so a large body never holds it for long.
 */
export async function jsonSource(
  body: Buffer,
  limit = Number.POSITIVE_INFINITY,
): Promise<SpanSource> {
  const index = newIndex(body, Math.min(limit, READ_IN_PASS_MAX));
  const scan = scanBody(body, index);
  let ranAt = performance.now();
  let yielded = false;
  let step = scan.next();
  while (step.done !== true) {
    if (performance.now() - ranAt >= YIELD_AFTER_MS) {
      await yieldToEventLoop();
      ranAt = performance.now();
      yielded = true;
    }
    step = scan.next();
  }
  // After a long pass, decoding starts in a fresh turn of the loop, with its own time budget.
  if (yielded) await yieldToEventLoop();
  return step.value ? scannedSource(index) : parsedJsonSource(body);
}

/** `jsonSource` in one go, without yielding (for tests and tools). */
export function jsonSourceNow(body: Buffer, limit = Number.POSITIVE_INFINITY): SpanSource {
  const index = scanJson(body, Math.min(limit, READ_IN_PASS_MAX));
  return index === undefined ? parsedJsonSource(body) : scannedSource(index);
}

function scannedSource(index: ScannedJsonIndex): SpanSource {
  return {
    count: index.bounds.count,
    idsAreHex: false,
    decode: (from, to, batch) => {
      // Spans the pass read already; the rest from their bounds.
      const read = Math.min(to, index.decoded.length);
      for (let span = from; span < read; span += 1) {
        const record = index.decoded[span]!;
        if (record instanceof StoredSpan) batch.spans.push(record);
        else batch.rejected.push(record);
      }
      if (read < to) decodeScannedSpans(index, Math.max(from, read), to, batch);
    },
  };
}

/** Reads spans [from, to) of a scanned request into the batch. */
export function decodeScannedSpans(
  index: ScannedJsonIndex,
  from: number,
  to: number,
  batch: SpanBatch,
): void {
  const { body, bounds, resourceFirstSpan, resourceService } = index;
  const recent = recentFields(body);
  let resource = -1;
  for (let span = from; span < to; span += 1) {
    let changed = resource < 0;
    if (changed) resource = 0;
    while (resource + 1 < resourceFirstSpan.length && resourceFirstSpan[resource + 1]! <= span) {
      resource += 1;
      changed = true;
    }
    if (changed) batch.setService(resourceService[resource]);
    try {
      readSpanFast(body, bounds.startOf(span), recent, batch);
    } catch (error) {
      if (error !== FALLBACK && !(error instanceof FieldError)) throw error;
      readSpanSlowly(index, span, batch);
    }
  }
}

/** One span the generic way: `JSON.parse` of its bytes, then the generic conversion. */
function readSpanSlowly(index: ScannedJsonIndex, span: number, batch: SpanBatch): void {
  const text = index.body.toString('utf8', index.bounds.startOf(span), index.bounds.endOf(span));
  try {
    readSpan(JSON.parse(text), batch);
  } catch (error) {
    throw located(error, scannedSpanPath(index, span));
  }
}

function scannedSpanPath(index: ScannedJsonIndex, span: number): string {
  let scope = index.scopeFirstSpan.length - 1;
  while (scope > 0 && index.scopeFirstSpan[scope]! > span) scope -= 1;
  const resource = index.scopeResource[scope]!;
  const item = index.scopeItem[scope]!;
  return `$.resourceSpans[${resource}].scopeSpans[${item}].spans[${span - index.scopeFirstSpan[scope]!}]`;
}
