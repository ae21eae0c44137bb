// The receiver's side of bench/verify-scale.ts: export requests from a file into a span store.
import { closeSync, openSync, readSync } from 'node:fs';
import { protobufSource } from '../../src/receiver/decode-protobuf';
import { ingest } from '../../src/receiver/ingest';
import { SpanStore } from '../../src/receiver/span-store';

/** The receiver's side: every request of the file through its decoder into its span store. */
export async function receive(path: string): Promise<{ store: SpanStore; protobufBytes: number }> {
  const store = new SpanStore(Number.MAX_SAFE_INTEGER);
  const fd = openSync(path, 'r');
  let protobufBytes = 0;
  try {
    const length = Buffer.alloc(4);
    while (readSync(fd, length, 0, 4, null) === 4) {
      // A fresh buffer per request, as an HTTP body arrives.
      const body = Buffer.alloc(length.readUInt32BE());
      if (readSync(fd, body, 0, body.length, null) !== body.length) throw new Error('cut short');
      protobufBytes += body.length;
      const outcome = await ingest(protobufSource(body), store);
      if (outcome.rejectedSpans)
        throw new Error(`the receiver refused spans: ${outcome.errorMessage}`);
    }
  } finally {
    closeSync(fd);
  }
  return { store, protobufBytes };
}
