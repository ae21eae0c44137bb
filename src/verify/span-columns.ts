import type { SpanRecord } from './types';

/** Span kinds as small numbers, for `TraceGraph.kinds` and the receiver's kind column. */
export const KIND = { internal: 0, server: 1, client: 2, producer: 3, consumer: 4 } as const;

/** Bits of `TraceGraph.flags`: what a check needs of a span besides its kind and parent. */
export const FLAG = {
  /** The span's sampled bit is set (`sampled === true`). */
  sampled: 1,
  /** The exporter wrote the sampled bit cleared (`sampled === false`; unset is neither). */
  notSampled: 2,
  /** The span names a parent (`parentSpanId !== undefined`), resolved or not. */
  hasParent: 4,
  /** The span flags say the parent is not remote (`parentIsRemote === false`). */
  localParent: 8,
} as const;

/**
 * Bits of `SpanColumns.flags` besides `FLAG`'s: the span's or its parent's id is not 16
 * lower-case hex digits, so its key is two hashes (see `keyInto`) and the strings must be compared.
 */
export const HASHED = { id: 64, parent: 128 } as const;

/** `KIND[kind]` without a keyed lookup: the receiver's kinds are shared constant strings. */
export function kindNumber(kind: string): number {
  if (kind === 'server') return KIND.server;
  if (kind === 'client') return KIND.client;
  if (kind === 'producer') return KIND.producer;
  return kind === 'consumer' ? KIND.consumer : KIND.internal;
}

/** The `FLAG` bits of a span. */
export function flagBits(span: SpanRecord): number {
  const sampled = span.sampled;
  let bits = sampled === true ? FLAG.sampled : sampled === false ? FLAG.notSampled : 0;
  if (span.parentIsRemote === false) bits |= FLAG.localParent;
  if (span.parentSpanId !== undefined) bits |= FLAG.hasParent;
  return bits;
}

/**
 * What the receiver's span store knows of its spans besides the span objects, in typed columns
 * written once as each span is stored (position = the span's place in the store, and in the
 * array `SpanStore.spans()` returned): the verifier reads these in order instead of a million
 * span objects and their id strings spread over the heap. Only positions below `length` belong
 * to the snapshot; the store keeps writing past it.
 */
export interface SpanColumns {
  /** The spans of the snapshot (`spans.length` of the array it came with). */
  readonly length: number;
  /** The trace of each span, as an index into `traceIds` (in order of first appearance). */
  readonly traceOf: Int32Array;
  readonly traceIds: readonly string[];
  /** The service of each span, as an index into `serviceNames` (in order of first appearance). */
  readonly serviceOf: Int32Array;
  readonly serviceNames: readonly string[];
  /** `KIND` numbers. */
  readonly kinds: Uint8Array;
  /** `FLAG` and `HASHED` bits. */
  readonly flags: Uint8Array;
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  /** A server span's port (`spanPort`), NaN when it has none (or for another kind of span). */
  readonly ports: Float64Array;
  /** The key of each span's id (`keyInto`): two numbers per span, at 2 x position. */
  readonly idKeys: Int32Array;
  /** The key of each span's parent id, when it names one (`FLAG.hasParent`). */
  readonly parentKeys: Int32Array;
}

const COLUMNS = Symbol('span columns');

/** Where a group of spans lies in the columns, for `buildTraceGraph`. */
export interface ColumnGroup {
  columns: SpanColumns;
  /** Positions in the columns of the group's spans, in order; undefined: 0 to n - 1. */
  at: Int32Array | undefined;
}

/** Marks `spans` (the store's snapshot) as described by `columns`. */
export function withColumns<T extends readonly SpanRecord[]>(spans: T, columns: SpanColumns): T {
  Object.defineProperty(spans, COLUMNS, { value: columns, enumerable: false });
  return spans;
}

/**
 * The columns of a store snapshot, when `spans` is one, unchanged in length. (A snapshot changed
 * in place at the same length would not be noticed: no caller changes the arrays the store
 * hands out, and a copy, `filter` or `map` carries no columns.)
 */
export function columnsOf(spans: readonly SpanRecord[]): SpanColumns | undefined {
  const columns = (spans as { [COLUMNS]?: SpanColumns })[COLUMNS];
  return columns !== undefined && columns.length === spans.length ? columns : undefined;
}

const GROUP = Symbol('column group');

/** Marks a group of spans (one trace of a snapshot) with where its spans lie in the columns. */
export function withGroup<T extends readonly SpanRecord[]>(spans: T, group: ColumnGroup): T {
  Object.defineProperty(spans, GROUP, { value: group, enumerable: false });
  return spans;
}

/** The column group of a trace's spans, when they are one (a whole snapshot of one trace too). */
export function groupOf(spans: readonly SpanRecord[]): ColumnGroup | undefined {
  const group = (spans as { [GROUP]?: ColumnGroup })[GROUP];
  if (group !== undefined) return group;
  const columns = columnsOf(spans);
  if (columns === undefined || spans.length === 0) return undefined;
  // A whole snapshot is a group only when every span is of one trace.
  const traceOf = columns.traceOf;
  const trace = traceOf[0]!;
  for (let position = 1; position < spans.length; position += 1) {
    if (traceOf[position] !== trace) return undefined;
  }
  return { columns, at: undefined };
}
