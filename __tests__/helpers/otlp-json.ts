import { jsonSourceNow } from '../../src/receiver/decode-json';
import { SpanBatch } from '../../src/receiver/span-batch';
import type { SpanRecord } from '../../src/verify/types';

/** An OTLP/JSON body decoded by the receiver's own decoder, as it stores spans (plain records). */
export function decodeOtlpJson(body: Buffer): { spans: SpanRecord[]; rejected: unknown[] } {
  const source = jsonSourceNow(body);
  const batch = new SpanBatch(source.idsAreHex);
  source.decode(0, source.count, batch);
  return { spans: batch.spans.map((span) => ({ ...span })), rejected: batch.rejected };
}
