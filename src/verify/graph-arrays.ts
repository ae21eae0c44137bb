import { IdTable } from './id-table';
import type { SpanColumns } from './span-columns';
import type { SpanRecord } from './types';

/** The arrays `buildTraceGraph` fills in its pass over a trace's spans, and its id table. */
export interface GraphArrays {
  starts: Float64Array;
  ends: Float64Array;
  serviceOf: Int32Array;
  parents: Int32Array;
  parentLow: Int32Array;
  ids: IdTable;
  kinds: Uint8Array;
  flags: Uint8Array;
  answered: Uint8Array;
}

/**
 * A small graph's arrays and id table are carved from one buffer: with 10,000 probes, the graphs
 * alive until their verdicts are 10,000 buffers rather than 40,000, and every object fewer is one
 * fewer for the young generation's collections to copy. A large graph keeps the three buffers and
 * the table's own: one buffer of 48 MB (a million spans) made V8 start full collections inside
 * the verification (3 more in 5 runs, each marking the whole store), where four buffers of the
 * same total do not. (Past 64 MB of buffers in one go, V8 starts one anyway.)
 */
export function graphArrays(spans: readonly SpanRecord[], whole?: SpanColumns): GraphArrays {
  const count = spans.length;
  if (whole !== undefined) return wholeArrays(spans, whole);
  if (count > ONE_BUFFER_SPANS) return separateArrays(spans);
  // Times first (8-byte aligned), then int32s, the table, bytes.
  const tableAt = count * 28;
  const bytesAt = tableAt + IdTable.bytes(count);
  const buffer = new ArrayBuffer(bytesAt + count * 3);
  return {
    starts: new Float64Array(buffer, 0, count),
    ends: new Float64Array(buffer, count * 8, count),
    serviceOf: new Int32Array(buffer, count * 16, count),
    // The parent's key (its id's two halves, or hashes), read in the one pass over the span
    // objects: the parents are then looked up from typed arrays only. `parents` holds the key's
    // high half until then.
    parents: new Int32Array(buffer, count * 20, count),
    parentLow: new Int32Array(buffer, count * 24, count),
    ids: new IdTable(spans, buffer, tableAt),
    kinds: new Uint8Array(buffer, bytesAt, count),
    flags: new Uint8Array(buffer, bytesAt + count, count),
    // Answered ids that are no span of the trace (the probe's own span) are of no use here:
    // only spans of the trace are asked about.
    answered: new Uint8Array(buffer, bytesAt + count * 2, count),
  };
}

/** Graphs of more spans than this get `separateArrays`. */
const ONE_BUFFER_SPANS = 4096;

/** `graphArrays` for a large graph: times, int32s, bytes and the table, each its own buffer. */
function separateArrays(spans: readonly SpanRecord[]): GraphArrays {
  const count = spans.length;
  const times = new Float64Array(count * 2);
  const ints = new Int32Array(count * 3);
  const bytes = new Uint8Array(count * 3);
  return {
    starts: times.subarray(0, count),
    ends: times.subarray(count),
    serviceOf: ints.subarray(0, count),
    parents: ints.subarray(count, count * 2),
    parentLow: ints.subarray(count * 2),
    ids: new IdTable(spans),
    kinds: bytes.subarray(0, count),
    flags: bytes.subarray(count, count * 2),
    answered: bytes.subarray(count * 2),
  };
}

/**
 * `graphArrays` for a trace that is a whole snapshot of the receiver's spans: its kinds and
 * times are the columns' own (never written after the span is stored), not copies.
 */
function wholeArrays(spans: readonly SpanRecord[], columns: SpanColumns): GraphArrays {
  const count = spans.length;
  const ints = new Int32Array(count * 3);
  const bytes = new Uint8Array(count * 2);
  return {
    starts: columns.starts.subarray(0, count),
    ends: columns.ends.subarray(0, count),
    serviceOf: ints.subarray(0, count),
    parents: ints.subarray(count, count * 2),
    parentLow: ints.subarray(count * 2),
    ids: new IdTable(spans),
    kinds: columns.kinds.subarray(0, count),
    flags: bytes.subarray(0, count),
    answered: bytes.subarray(count),
  };
}
