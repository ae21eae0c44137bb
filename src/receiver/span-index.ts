import type { SpanRecord } from '../verify/types';

/**
 * The span store's index: stored spans (their positions in the store) by id. Keyed by the span
 * id's last 8 hex digits as a small integer (ids are random, so a clash is rare); a clash
 * (another trace's span with the same id, or another id with the same digits) holds an array.
 * An integer key spares a composite key string per span, and hashing and comparing each new id
 * string in the map. Split in 16 maps by the id's last hex digit: a map that outgrows its table
 * rehashes every entry in one go, which for one map of 262,144 spans held the event loop for
 * about 50 ms; a sixteenth of that is a few ms. A clash past CLASH_LIST_MAX spans becomes a map
 * by the whole identity (see `Clash`).
 */
export class SpanIndex {
  private readonly shards = Array.from(
    { length: SPAN_ID_SHARDS },
    () => new Map<number, number | Clash>(),
  );

  constructor(private readonly spans: readonly SpanRecord[]) {}

  /**
   * What is stored under `key`: the low half of the span id's `keyInto` key, the value of its
   * last 8 hex digits for an id of 16 hex digits (every stored span's), or for any other string a
   * hash of it; its low 4 bits pick the map. An entry always compares the whole id.
   */
  get(key: number): number | Clash | undefined {
    return this.shardOf(key).get(key);
  }

  /** Adds the span at `position` under `key`, where `found` was stored. */
  add(key: number, found: number | Clash | undefined, span: SpanRecord, position: number): void {
    const shard = this.shardOf(key);
    if (found === undefined) shard.set(key, position);
    else if (found instanceof Map) found.set(identityOf(span), position);
    else if (!Array.isArray(found)) shard.set(key, [found, position]);
    else if (found.length < CLASH_LIST_MAX) found.push(position);
    else shard.set(key, this.clashMap(found, span, position));
  }

  /** Whether `span` is a resend of the span, or one of the spans, stored under its key. */
  isResend(found: number | Clash, span: SpanRecord): boolean {
    if (found instanceof Map) return found.has(identityOf(span));
    if (typeof found === 'number') return sameSpan(this.spans[found]!, span);
    return found.some((stored) => sameSpan(this.spans[stored]!, span));
  }

  /** The map holding a key: the one of its low 4 bits (the id's last hex digit). */
  private shardOf(key: number): Map<number, number | Clash> {
    return this.shards[key & (SPAN_ID_SHARDS - 1)]!;
  }

  private clashMap(
    list: readonly number[],
    span: SpanRecord,
    position: number,
  ): Map<string, number> {
    const map = new Map<string, number>();
    for (const stored of list) map.set(identityOf(this.spans[stored]!), stored);
    map.set(identityOf(span), position);
    return map;
  }
}

const SPAN_ID_SHARDS = 16;

/**
 * The spans stored under one key: a short list, scanned, or past CLASH_LIST_MAX a map by
 * identity. Random ids rarely clash, but ids are chosen by the services under test: thousands
 * of spans sharing an id's last 8 digits, or one span id sent in thousands of traces, would make
 * a list scanned on every add quadratic (a stalled verdict). In the map each add is one lookup.
 */
type Clash = number[] | Map<string, number>;

const CLASH_LIST_MAX = 8;

/** What makes a span distinct: hex span and trace ids hold no space, so the key is unambiguous. */
function identityOf(span: SpanRecord): string {
  return `${span.spanId} ${span.traceId} ${span.service}`;
}

/** The same span sent again: same trace, same id, same service. */
function sameSpan(stored: SpanRecord, span: SpanRecord): boolean {
  return (
    stored.spanId === span.spanId &&
    stored.traceId === span.traceId &&
    stored.service === span.service
  );
}
