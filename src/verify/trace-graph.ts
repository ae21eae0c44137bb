import { findCollisions } from './collisions';
import { graphArrays } from './graph-arrays';
import { type IdTable, keyInto } from './id-table';
import type { SpanRecord } from './types';

/**
 * One trace's spans, indexed for walking by position: each span's parent as a position in
 * `spans`, and which spans a server span answered. Built in two passes over the spans with one
 * open-addressing table of typed arrays, so a trace of a million spans costs no map of a million
 * string keys, no per-span object and nothing for the garbage collector to trace.
 */
export interface TraceGraph {
  traceId: string;
  spans: readonly SpanRecord[];
  /**
   * For the span at each position, the position of its parent in `spans`, or -1 for a root and
   * for a parent nobody exported in this trace. An id exported twice resolves to its first span
   * (a re-export or a colliding id does not replace it).
   */
  parents: Int32Array;
  /** The kind of the span at each position (`KIND.server`, ...), read without the span. */
  kinds: Uint8Array;
  /** `FLAG` bits of the span at each position (sampled, parent named, parent local). */
  flags: Uint8Array;
  /** The services that exported spans in this trace, in order of appearance. */
  services: ReadonlySet<string>;
  /** The service of the span at each position, as an index into `serviceNames`. */
  serviceOf: Int32Array;
  serviceNames: readonly string[];
  /** Start and end time (ms) of the span at each position. */
  starts: Float64Array;
  ends: Float64Array;
  /** Ids exported by more than one service in this trace (id collisions), with their services. */
  collisions: ReadonlyMap<string, readonly string[]>;
  /** Position of the first span exported under `id`, or -1. */
  indexOf(id: string): number;
  /** True when a server span names the span at `position` (or its id) as parent: answered. */
  isAnswered(position: number): boolean;
}

/** Span kinds as small numbers, for `TraceGraph.kinds`. */
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

/** `KIND[kind]` without a keyed lookup: the receiver's kinds are shared constant strings. */
function kindNumber(kind: string): number {
  if (kind === 'server') return KIND.server;
  if (kind === 'client') return KIND.client;
  if (kind === 'producer') return KIND.producer;
  return kind === 'consumer' ? KIND.consumer : KIND.internal;
}

export function buildTraceGraph(traceId: string, spans: readonly SpanRecord[]): TraceGraph {
  const count = spans.length;
  const { starts, ends, serviceOf, parents, parentLow, kinds, flags, answered, ids } =
    graphArrays(spans);
  const serviceIds = new Map<string, number>();
  const serviceNames: string[] = [];
  // The first span of each id; only differs from the span's own position for a repeated id.
  let firstOf: Int32Array | undefined;
  let lastService: string | undefined;
  let lastServiceId = -1;
  // One pass over the span objects, in store order. In a large table, the ids' slots of the
  // next few spans are touched first: their cache misses overlap (see `touchKey`).
  const block = ids.isLarge ? TOUCH_BLOCK : count;
  for (let from = 0; from < count; from += block) {
    const to = Math.min(count, from + block);
    if (block < count) touchSpans(ids, spans, from, to);
    for (let position = from; position < to; position += 1) {
      const span = spans[position]!;
      const first = ids.insert(position, span.spanId);
      if (first !== position) (firstOf ??= identity(count))[position] = first;
      kinds[position] = kindNumber(span.kind);
      // Spans come in export batches of one service: look it up only when it changes.
      if (span.service !== lastService) {
        lastService = span.service;
        const known = serviceIds.get(lastService);
        if (known !== undefined) lastServiceId = known;
        else {
          lastServiceId = serviceNames.push(lastService) - 1;
          serviceIds.set(lastService, lastServiceId);
        }
      }
      serviceOf[position] = lastServiceId;
      starts[position] = span.startTimeMs;
      ends[position] = span.endTimeMs;
      const sampled = span.sampled;
      let bits = sampled === true ? FLAG.sampled : sampled === false ? FLAG.notSampled : 0;
      if (span.parentIsRemote === false) bits |= FLAG.localParent;
      const parentId = span.parentSpanId;
      if (parentId !== undefined) {
        bits |= FLAG.hasParent | (keyInto(parentId, KEY, 0) ? 0 : HASHED_PARENT);
        parents[position] = KEY[0]!;
        parentLow[position] = KEY[1]!;
      }
      flags[position] = bits;
    }
  }
  resolveParents(ids, parentLow, { spans, kinds, flags, parents, answered });
  const collisions = firstOf === undefined ? NO_COLLISIONS : findCollisions(spans, firstOf);
  return {
    traceId,
    spans,
    parents,
    kinds,
    flags,
    // Asked once per probe (expected_services_present): made then, not kept with the graph.
    get services() {
      return new Set(serviceNames);
    },
    serviceOf,
    serviceNames,
    starts,
    ends,
    collisions,
    indexOf: (id) => ids.find(id),
    isAnswered: (position) => answered[firstOf === undefined ? position : firstOf[position]!] === 1,
  };
}

/** The collisions of every graph that has none: one empty map, never written. */
const NO_COLLISIONS: ReadonlyMap<string, readonly string[]> = new Map();

/** A flag bit used only while building: the parent's key is hashed (compare the strings). */
const HASHED_PARENT = 128;
/** The key `keyInto` wrote last. */
const KEY = new Int32Array(2);

/**
 * Each parent looked up, from its key: a short loop over typed arrays, whose reads of the table,
 * at random, overlap from span to span (a span object is read again only for a parent id that is
 * not 16 hex digits). Replaces the keys in `parents` by positions, fills `answered`, clears the
 * building bit of `flags`.
 */
function resolveParents(
  ids: IdTable,
  parentLow: Int32Array,
  graph: {
    spans: readonly SpanRecord[];
    kinds: Uint8Array;
    flags: Uint8Array;
    parents: Int32Array;
    answered: Uint8Array;
  },
): void {
  const { spans, flags, parents } = graph;
  const count = spans.length;
  const block = ids.isLarge ? TOUCH_BLOCK : count;
  for (let from = 0; from < count; from += block) {
    const to = Math.min(count, from + block);
    if (block < count) touchParents(ids, flags, parents, parentLow, from, to);
    resolveBlock(ids, parentLow, graph, from, to);
  }
}

/**
 * Touches what the pass reads of the spans at `from` to `to` that lies apart from the span
 * object: the table slot of its id and its parent's id string (at a million spans, these are
 * cache misses; read here in a short loop, they overlap).
 */
function touchSpans(ids: IdTable, spans: readonly SpanRecord[], from: number, to: number): void {
  let read = 0;
  for (let at = from; at < to; at += 1) {
    const span = spans[at]!;
    ids.touchId(span.spanId);
    read += span.parentSpanId?.length ?? 0;
  }
  ids.touched ^= read;
}

/** Lookups whose table slots are touched together, ahead of the lookups (large tables only). */
const TOUCH_BLOCK = 16;
/** Touches the table slots of the parents of the spans at `from` to `to` (exact keys only). */
function touchParents(
  ids: IdTable,
  flags: Uint8Array,
  parents: Int32Array,
  parentLow: Int32Array,
  from: number,
  to: number,
): void {
  for (let position = from; position < to; position += 1) {
    if ((flags[position]! & (FLAG.hasParent | HASHED_PARENT)) === FLAG.hasParent)
      ids.touchKey(parents[position]!, parentLow[position]!);
  }
}

/** `resolveParents` for the spans at `from` to `to`. */
function resolveBlock(
  ids: IdTable,
  parentLow: Int32Array,
  graph: {
    spans: readonly SpanRecord[];
    kinds: Uint8Array;
    flags: Uint8Array;
    parents: Int32Array;
    answered: Uint8Array;
  },
  from: number,
  to: number,
): void {
  const { spans, kinds, flags, parents, answered } = graph;
  for (let position = from; position < to; position += 1) {
    const bits = flags[position]!;
    let parent = -1;
    if ((bits & FLAG.hasParent) !== 0) {
      parent =
        (bits & HASHED_PARENT) === 0
          ? ids.findKey(parents[position]!, parentLow[position]!)
          : ids.find(spans[position]!.parentSpanId!);
      if (parent >= 0 && kinds[position] === KIND.server) answered[parent] = 1;
      flags[position] = bits & ~HASHED_PARENT;
    }
    parents[position] = parent;
  }
}

function identity(count: number): Int32Array {
  const positions = new Int32Array(count);
  for (let position = 0; position < count; position += 1) positions[position] = position;
  return positions;
}

/** The parent of a span inside its graph, or undefined for a root or a parent nobody exported. */
export function parentOf(graph: TraceGraph, span: SpanRecord): SpanRecord | undefined {
  if (span.parentSpanId === undefined) return undefined;
  const position = graph.indexOf(span.parentSpanId);
  return position < 0 ? undefined : graph.spans[position];
}

/** The parent of the span at `position`, from the graph's index. */
export function parentAt(graph: TraceGraph, position: number): SpanRecord | undefined {
  const parent = graph.parents[position]!;
  return parent < 0 ? undefined : graph.spans[parent];
}

export {
  callHost,
  callUrl,
  describeCall,
  describeServerCall,
  serverPath,
  spanPort,
} from './span-attributes';
