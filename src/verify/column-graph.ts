import { type ColumnGroup, KIND } from './span-columns';
import { findCollisions, NO_COLLISIONS, type TraceGraph } from './trace-graph';
import type { SpanRecord } from './types';

/**
 * `buildTraceGraph` for spans the receiver stored: kinds, flags, times and services come from the
 * store's columns, and every parent was resolved as it was stored (the first span of its id in
 * the trace), so no span object is read, no id string parsed and no id table built. The result
 * is the graph the span objects give (see `__tests__/unit/column-graph.test.ts`).
 */
export function columnGraph(
  traceId: string,
  spans: readonly SpanRecord[],
  group: ColumnGroup,
): TraceGraph {
  const count = spans.length;
  const { columns, at, placeOf } = group;
  const { length } = columns;
  let kinds: Uint8Array;
  let flags: Uint8Array;
  let starts: Float64Array;
  let ends: Float64Array;
  const serviceOf = new Int32Array(count);
  const parents = new Int32Array(count);
  const answered = new Uint8Array(count);
  const remap = new ServiceRemap(columns.serviceNames.length);
  if (at === undefined) {
    // The whole snapshot is the trace: its columns are the graph's, as they are.
    kinds = columns.kinds.subarray(0, count);
    flags = columns.flags.subarray(0, count);
    starts = columns.starts.subarray(0, count);
    ends = columns.ends.subarray(0, count);
    const { parentAt, serviceOf: services } = columns;
    for (let position = 0; position < count; position += 1) {
      serviceOf[position] = remap.of(services[position]!);
      const parent = parentAt[position]!;
      if (parent < 0 || parent >= length) parents[position] = -1;
      else {
        parents[position] = parent;
        if (kinds[position] === KIND.server) answered[parent] = 1;
      }
    }
  } else {
    const bytes = new Uint8Array(count * 2);
    const times = new Float64Array(count * 2);
    kinds = bytes.subarray(0, count);
    flags = bytes.subarray(count);
    starts = times.subarray(0, count);
    ends = times.subarray(count);
    const { parentAt, serviceOf: services } = columns;
    for (let position = 0; position < count; position += 1) {
      const stored = at[position]!;
      const kind = columns.kinds[stored]!;
      kinds[position] = kind;
      flags[position] = columns.flags[stored]!;
      starts[position] = columns.starts[stored]!;
      ends[position] = columns.ends[stored]!;
      serviceOf[position] = remap.of(services[stored]!);
      const parent = parentAt[stored]!;
      if (parent < 0 || parent >= length) parents[position] = -1;
      else {
        // A parent is of the same trace: its place is in this group.
        const place = placeOf![parent]!;
        parents[position] = place;
        if (kind === KIND.server) answered[place] = 1;
      }
    }
  }
  // Collisions: spans whose id an earlier span of the trace had (rare; a map lookup each only then).
  let firstOf: Int32Array | undefined;
  if (columns.firstOf.size !== 0) {
    for (let position = 0; position < count; position += 1) {
      const stored = at === undefined ? position : at[position]!;
      const first = columns.firstOf.get(stored);
      if (first === undefined) continue;
      firstOf ??= identity(count);
      firstOf[position] = at === undefined ? first : placeOf![first]!;
    }
  }
  const collisions = firstOf === undefined ? NO_COLLISIONS : findCollisions(spans, firstOf);
  const serviceNames = remap.names(columns.serviceNames);
  return {
    traceId,
    spans,
    parents,
    kinds,
    flags,
    get services() {
      return new Set(serviceNames);
    },
    serviceOf,
    serviceNames,
    starts,
    ends,
    collisions,
    indexOf: (id) => {
      const stored = columns.find(id, traceId);
      if (stored < 0) return -1;
      return at === undefined ? stored : placeOf![stored]!;
    },
    isAnswered: (position) => answered[firstOf === undefined ? position : firstOf[position]!] === 1,
  };
}

function identity(count: number): Int32Array {
  const positions = new Int32Array(count);
  for (let position = 0; position < count; position += 1) positions[position] = position;
  return positions;
}

/**
 * The store's service numbers to the graph's, given in order of first appearance in the trace
 * (as the span objects give them). A typed array up to 1,024 services, else a map: a store of
 * many services (names come from the services under test) costs no large array per graph.
 */
class ServiceRemap {
  private readonly table: Int32Array | undefined;
  private readonly map: Map<number, number> | undefined;
  private readonly order: number[] = [];
  private last = -1;
  private lastLocal = -1;

  constructor(services: number) {
    if (services <= 1024) this.table = new Int32Array(services).fill(-1);
    else this.map = new Map();
  }

  of(service: number): number {
    if (service === this.last) return this.lastLocal;
    this.last = service;
    let local = this.table === undefined ? this.map!.get(service) : this.table[service]!;
    if (local === undefined || local < 0) {
      local = this.order.push(service) - 1;
      if (this.table === undefined) this.map!.set(service, local);
      else this.table[service] = local;
    }
    this.lastLocal = local;
    return local;
  }

  names(all: readonly string[]): string[] {
    return this.order.map((service) => all[service]!);
  }
}
