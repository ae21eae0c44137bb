// `ingest` with a call that can end (gRPC): a call reset or past its deadline before its message
// is decoded stores and counts none of its spans; one still on stores them all.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { protobufSource } from '../../src/receiver/decode-protobuf';
import { CallEndedError, ingest, type SpanSource } from '../../src/receiver/ingest';
import { SpanStore } from '../../src/receiver/span-store';
import { jsonSpan, protobufRequest } from './helpers';

/** A real protobuf request of `count` spans, as the gRPC server decodes it. */
function source(count: number): SpanSource {
  const spans = Array.from({ length: count }, (_, index) =>
    jsonSpan({ spanId: (0xa0000 + index).toString(16).padStart(16, '0') }),
  );
  return protobufSource(Buffer.from(protobufRequest('call', spans)));
}

/** A real protobuf request of the spans with ids `from` to `from + count`, range by range. */
function sourceOf(...ranges: [from: number, count: number][]): SpanSource {
  const spans = ranges.flatMap(([from, count]) =>
    Array.from({ length: count }, (_, index) =>
      jsonSpan({ spanId: (0xa0000 + from + index).toString(16).padStart(16, '0') }),
    ),
  );
  return protobufSource(Buffer.from(protobufRequest('call', spans)));
}

/** The source, ending the call once `slices` slices were decoded (as a reset or deadline does). */
function endingAfter(
  inner: SpanSource,
  slices: number,
  call: { over: boolean; decoded: number },
): SpanSource {
  return {
    count: inner.count,
    idsAreHex: inner.idsAreHex,
    decode: (from, to, batch) => {
      inner.decode(from, to, batch);
      call.decoded += 1;
      if (call.decoded === slices) call.over = true;
    },
  };
}

describe('ingest: a call that ends before its message is decoded', () => {
  test('stores and counts none of its spans, though some slices were decoded', async () => {
    const store = new SpanStore();
    const call = { over: false, decoded: 0 };
    let committed = false;
    await assert.rejects(
      ingest(endingAfter(source(3000), 2, call), store, {
        ended: () => call.over,
        committing: () => (committed = true),
      }),
      CallEndedError,
    );
    assert.equal(committed, false);
    assert.equal(call.decoded, 2, 'decoding stops at the next slice');
    assert.equal(store.spans().length, 0);
    assert.equal(store.stats().acceptedSpans, 0);
    assert.deepEqual(store.services(), []);
  });

  test('a call still on when its message is decoded stores every span, then is committed', async () => {
    const store = new SpanStore();
    const heard: number[] = [];
    store.onSpans((spans) => heard.push(spans.length));
    let committedAt = -1;
    const outcome = await ingest(source(3000), store, {
      ended: () => false,
      committing: () => (committedAt = store.spans().length),
    });
    assert.equal(outcome.rejectedSpans, 0);
    assert.equal(committedAt, 0, 'nothing stored before the commit');
    assert.equal(store.stats().acceptedSpans, 3000);
    assert.equal(
      heard.reduce((sum, count) => sum + count, 0),
      3000,
    );
  });

  test('held spans count against the cap: the rest are refused undecoded, as without a call', async () => {
    const store = new SpanStore(1000);
    const outcome = await ingest(source(3000), store, { ended: () => false, committing: () => {} });
    assert.equal(store.stats().acceptedSpans, 1000);
    assert.equal(outcome.rejectedSpans, 2000);
    assert.equal(store.stats().spansOverLimit, 2000);
    assert.match(outcome.errorMessage, /2000 spans were refused/);
  });

  test('a resent message near the cap stores what it would without a call', async () => {
    // Exporters resend a batch they are unsure of: its spans already stored take no room.
    const outcome = async (guarded: boolean) => {
      const store = new SpanStore(600);
      await ingest(source(512), store);
      const call = guarded ? { ended: () => false, committing: () => {} } : undefined;
      const { rejectedSpans } = await ingest(source(612), store, call);
      return { stored: store.spans().length, rejectedSpans, stats: store.stats() };
    };
    const withoutCall = await outcome(false);
    assert.equal(withoutCall.stored, 600);
    assert.deepEqual(await outcome(true), withoutCall);
  });
  test('a message that fits even if all new is not looked up twice; one that may not is counted exactly', async () => {
    const lookups = (store: SpanStore) => {
      const counted = { spans: 0 };
      const countNew = store.countNew.bind(store);
      store.countNew = (spans, held) => ((counted.spans += spans.length), countNew(spans, held));
      return counted;
    };
    const call = { ended: () => false, committing: () => {} };
    const roomy = new SpanStore(10_000);
    const roomyLookups = lookups(roomy);
    await ingest(source(3000), roomy, call);
    assert.equal(roomy.stats().acceptedSpans, 3000);
    assert.equal(roomyLookups.spans, 0);
    // Near the cap the held spans are counted against the store, as before, and 512 resends
    // take no room: 88 new spans fit beside them.
    const tight = new SpanStore(600);
    await ingest(source(512), tight);
    const tightLookups = lookups(tight);
    const outcome = await ingest(source(1200), tight, call);
    assert.ok(tightLookups.spans >= 512);
    assert.equal(tight.stats().acceptedSpans, 600);
    assert.equal(tight.stats().duplicateSpans, 512);
    assert.equal(outcome.rejectedSpans, 1200 - 512 - 88);
  });

  test('held slices of resends take no room, at the cap exactly and after the exact count began', async () => {
    const call = { ended: () => false, committing: () => {} };
    const stored = async (...ranges: [number, number][]) => {
      const store = new SpanStore(1024);
      await ingest(sourceOf([0, 512]), store);
      const { rejectedSpans } = await ingest(sourceOf(...ranges), store, call);
      return { rejectedSpans, accepted: store.stats().acceptedSpans };
    };
    // Room for exactly 512: a slice of 512 resends, then 300 new spans.
    assert.deepEqual(await stored([0, 512], [1000, 300]), { rejectedSpans: 0, accepted: 812 });
    // Two slices of resends: the second is held after the exact count began.
    assert.deepEqual(await stored([0, 512], [0, 512], [1000, 300]), {
      rejectedSpans: 0,
      accepted: 812,
    });
  });
});
