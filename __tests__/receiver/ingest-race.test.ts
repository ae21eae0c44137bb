// A race of the gRPC exact count (found in review, s23): a held message's spans are counted once,
// when their slice is decoded. If another call stores some of them meanwhile (an exporter's retry
// of the same batch on a second call), they took room twice, in the store and among the held, so
// decoding stopped early and refused spans that fit, which neither order of the two calls would
// refuse. The count now hears of spans stored meanwhile (HeldRoom). OTLP/HTTP stores each slice
// before deciding on the next, so it never had the race.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { protobufSource } from '../../src/receiver/decode-protobuf';
import { ingest, type SpanSource } from '../../src/receiver/ingest';
import { SpanBatch } from '../../src/receiver/span-batch';
import { SpanStore } from '../../src/receiver/span-store';
import { jsonSpan, protobufRequest } from './helpers';

/** A real protobuf request of the spans with ids `from` to `from + count`, range by range. */
function sourceOf(...ranges: [from: number, count: number][]): SpanSource {
  const spans = ranges.flatMap(([from, count]) =>
    Array.from({ length: count }, (_, index) =>
      jsonSpan({ spanId: (0xc0000 + from + index).toString(16).padStart(16, '0') }),
    ),
  );
  return protobufSource(Buffer.from(protobufRequest('race', spans)));
}

/** Another call's spans stored at once, as its commit does. */
function storeNow(store: SpanStore, source: SpanSource): void {
  const batch = new SpanBatch(source.idsAreHex);
  source.decode(0, source.count, batch);
  store.add(batch.spans);
}

/**
 * Slice by slice: 512 spans, the same 512, 256 new and 256 of the first, 300 new: 1,068
 * distinct against a cap of 1,024.
 */
const MESSAGE: [number, number][] = [
  [0, 512],
  [0, 512],
  [2000, 256],
  [0, 256],
  [3000, 300],
];
const GUARD = { ended: () => false, committing: () => {} };

/**
 * `inner`, decoded slice by slice, with another call storing `other` in `store` while the third
 * slice is decoded (the exact count began there: 1,024 held by length); `slices()` says how many
 * slices were decoded.
 */
function racingAtThirdSlice(
  inner: SpanSource,
  store: SpanStore,
  other: SpanSource,
): { source: SpanSource; slices: () => number } {
  let slices = 0;
  const source: SpanSource = {
    count: inner.count,
    idsAreHex: inner.idsAreHex,
    decode: (from, to, batch) => {
      inner.decode(from, to, batch);
      if ((slices += 1) === 3) storeNow(store, other);
    },
  };
  return { source, slices: () => slices };
}

describe('gRPC exact count: a held span stored meanwhile by another call', () => {
  test('either order of the two calls stores 1,024 and refuses 44', async () => {
    for (const retryFirst of [true, false]) {
      const store = new SpanStore(1024);
      if (retryFirst) storeNow(store, sourceOf([0, 512]));
      const outcome = await ingest(sourceOf(...MESSAGE), store, GUARD);
      if (!retryFirst) storeNow(store, sourceOf([0, 512]));
      assert.equal(store.spans().length, 1024);
      assert.equal(outcome.rejectedSpans, 44);
    }
  });

  test('the retry stored while the message is decoded: no more refused than in either order', async () => {
    const store = new SpanStore(1024);
    // The retry of the first 512 spans is stored by its own call while this one decodes.
    const { source } = racingAtThirdSlice(sourceOf(...MESSAGE), store, sourceOf([0, 512]));
    const outcome = await ingest(source, store, GUARD);
    // Before the fix: 768 stored and 300 refused undecoded, though 256 of them fit.
    assert.equal(outcome.rejectedSpans, 44);
    assert.equal(store.spans().length, 1024);
  });

  test('spans another call stores meanwhile that the message does not hold leave its count as it is', async () => {
    // Slice by slice: 512 spans, the same 512, then 256 new and 256 of the first, then 512 new.
    // The exact count begins at the third slice (1,024 held by length): 512 distinct held, 768
    // once the third slice is counted. While it is decoded, another call stores 300 spans of its
    // own: the room is 724, so nothing more fits and decoding stops there. Counting the other
    // call's spans off the message's would leave room for the fourth slice.
    const store = new SpanStore(1024);
    const { source, slices } = racingAtThirdSlice(
      sourceOf([0, 512], [0, 512], [2000, 256], [0, 256], [3000, 512]),
      store,
      sourceOf([9000, 300]),
    );
    const outcome = await ingest(source, store, GUARD);
    assert.equal(slices(), 3, 'no slice decoded once nothing more fits');
    assert.equal(store.spans().length, 1024);
    // 44 of the third slice refused as it is stored, and the last 512 undecoded.
    assert.equal(outcome.rejectedSpans, 556);
  });
});
