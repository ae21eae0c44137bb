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
  const remap = REMAP.reset(columns.serviceNames.length);
  const graph =
    at === undefined ? wholeArrays(group, count, remap) : groupArrays(group, count, remap);
  const serviceNames = remap.done(columns.serviceNames);
  const { kinds, flags, starts, ends, serviceOf, parents, answered } = graph;
  const firstOf = firstOfIds(group, count);
  const collisions = firstOf === undefined ? NO_COLLISIONS : findCollisions(spans, firstOf);
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

/** The graph's arrays when the whole snapshot is the trace: its columns, as they are. */
function wholeArrays(group: ColumnGroup, count: number, remap: ServiceRemap): GraphArrays {
  const { columns } = group;
  const { length, parentAt } = columns;
  const graph = {
    kinds: columns.kinds.subarray(0, count),
    flags: columns.flags.subarray(0, count),
    starts: columns.starts.subarray(0, count),
    ends: columns.ends.subarray(0, count),
    serviceOf: new Int32Array(count),
    parents: new Int32Array(count),
    answered: new Uint8Array(count),
  };
  const { kinds, serviceOf, parents, answered } = graph;
  const services = columns.serviceOf;
  for (let position = 0; position < count; position += 1) {
    serviceOf[position] = remap.of(services[position]!);
    const parent = parentAt[position]!;
    if (parent < 0 || parent >= length) parents[position] = -1;
    else {
      parents[position] = parent;
      if (kinds[position] === KIND.server) answered[parent] = 1;
    }
  }
  return graph;
}

/** The graph's arrays for one trace of a many-trace snapshot: gathered into the run's arena. */
function groupArrays(group: ColumnGroup, count: number, remap: ServiceRemap): GraphArrays {
  const { columns, from } = group;
  const at = group.at!;
  const placeOf = group.placeOf!;
  const arena = group.arena!;
  const { length, parentAt } = columns;
  const to = from + count;
  const graph = {
    kinds: arena.kinds.subarray(from, to),
    flags: arena.flags.subarray(from, to),
    starts: arena.starts.subarray(from, to),
    ends: arena.ends.subarray(from, to),
    serviceOf: arena.serviceOf.subarray(from, to),
    parents: arena.parents.subarray(from, to),
    answered: arena.answered.subarray(from, to),
  };
  const { kinds, flags, starts, ends, serviceOf, parents, answered } = graph;
  // Built again (a trace read by two passes): the same values, `answered` set afresh.
  answered.fill(0);
  for (let position = 0; position < count; position += 1) {
    const stored = at[position]!;
    const kind = columns.kinds[stored]!;
    kinds[position] = kind;
    flags[position] = columns.flags[stored]!;
    starts[position] = columns.starts[stored]!;
    ends[position] = columns.ends[stored]!;
    serviceOf[position] = remap.of(columns.serviceOf[stored]!);
    const parent = parentAt[stored]!;
    if (parent < 0 || parent >= length) parents[position] = -1;
    else {
      // A parent is of the same trace: its place is in this group.
      const place = placeOf[parent]!;
      parents[position] = place;
      if (kind === KIND.server) answered[place] = 1;
    }
  }
  return graph;
}

/**
 * For each span, the position of the first span of its id (itself but for a collision), or
 * undefined when no span of the group collides (a map lookup per span only when the store
 * holds a collision at all).
 */
function firstOfIds(group: ColumnGroup, count: number): Int32Array | undefined {
  const { columns, at, placeOf } = group;
  if (columns.firstOf.size === 0) return undefined;
  let firstOf: Int32Array | undefined;
  for (let position = 0; position < count; position += 1) {
    const stored = at === undefined ? position : at[position]!;
    const first = columns.firstOf.get(stored);
    if (first === undefined) continue;
    firstOf ??= identity(count);
    firstOf[position] = at === undefined ? first : placeOf![first]!;
  }
  return firstOf;
}

function identity(count: number): Int32Array {
  const positions = new Int32Array(count);
  for (let position = 0; position < count; position += 1) positions[position] = position;
  return positions;
}

interface GraphArrays {
  kinds: Uint8Array;
  flags: Uint8Array;
  starts: Float64Array;
  ends: Float64Array;
  serviceOf: Int32Array;
  parents: Int32Array;
  answered: Uint8Array;
}

/**
 * The store's service numbers to the graph's, given in order of first appearance in the trace
 * (as the span objects give them). One table for every graph, cleared after each (`done`): up
 * to 1,024 services a typed array, else a map (service names come from the services under
 * test: a store of many costs no large array per graph).
 */
class ServiceRemap {
  private table = new Int32Array(0);
  private map: Map<number, number> | undefined;
  private order: number[] = [];
  private last = -1;
  private lastLocal = -1;

  reset(services: number): this {
    this.order = [];
    this.last = -1;
    if (services > 1024) this.map = new Map();
    else {
      this.map = undefined;
      if (this.table.length < services) this.table = new Int32Array(services).fill(-1);
    }
    return this;
  }

  of(service: number): number {
    if (service === this.last) return this.lastLocal;
    this.last = service;
    let local = this.map === undefined ? this.table[service]! : this.map.get(service);
    if (local === undefined || local < 0) {
      local = this.order.push(service) - 1;
      if (this.map === undefined) this.table[service] = local;
      else this.map.set(service, local);
    }
    this.lastLocal = local;
    return local;
  }

  /** The graph's service names; the table cleared for the next graph. */
  done(all: readonly string[]): string[] {
    if (this.map === undefined) for (const service of this.order) this.table[service] = -1;
    this.map = undefined;
    return this.order.map((service) => all[service]!);
  }
}

const REMAP = new ServiceRemap();
