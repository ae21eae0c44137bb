// Issue 10, part 4, through what ships: dist/index.js in target mode while a sender floods its
// receiver with valid spans. The run must end by itself at its `timeout` (the receiver decodes in
// slices, so the deadline fires), store no more than `max-spans`, and say in the report how many
// spans it refused.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { runDist } from '../helpers/run-dist';
import { freePorts } from '../target/harness';
import {
  JSON_HEADERS,
  jsonRequest,
  jsonSpan,
  PROTOBUF_HEADERS,
  protobufRequest,
  send,
  type HttpReply,
} from './helpers';

const SPANS_PER_BATCH = 20_000;
const MAX_SPANS = 5_000;
const TIMEOUT_S = 4;
/** Bound on the flood, whatever happens to the run: it stops after this many batches. */
const MAX_BATCHES = 500;

interface FloodResult {
  verdict: string;
  receiver: { spans_over_limit: number };
  spans: unknown[];
}

test('a flood of valid spans: the run ends at its timeout, stores at most max-spans, and says so', async () => {
  const target = http.createServer((_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const [receiverPort] = await freePorts(1);
  const body = protobufRequest(
    'flood',
    Array.from({ length: SPANS_PER_BATCH }, (_, index) =>
      jsonSpan({ spanId: (index + 1).toString(16).padStart(16, '0'), parentSpanId: undefined }),
    ),
  );
  let ended = false;
  let accepted = 0;
  const flood = async (): Promise<void> => {
    for (let batch = 0; batch < MAX_BATCHES && !ended; batch += 1) {
      try {
        const reply = await send(`http://127.0.0.1:${receiverPort}/v1/traces`, {
          headers: PROTOBUF_HEADERS,
          body,
        });
        if (reply.status === 200) accepted += 1;
      } catch {
        // Not listening yet, or closed: try again shortly (bounded by MAX_BATCHES).
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };
  // A time past uint64 is refused like any other bad time, by the receiver dist/ runs.
  const pastUint64 = async (): Promise<HttpReply | undefined> => {
    const body = jsonRequest('flood', [jsonSpan({ endTimeUnixNano: '18446744073709551616' })]);
    for (let attempt = 0; attempt < 100 && !ended; attempt += 1) {
      try {
        return await send(`http://127.0.0.1:${receiverPort}/v1/traces`, {
          headers: JSON_HEADERS,
          body,
        });
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    return undefined;
  };
  try {
    // Before the flood fills the store (past it, the rest of a request is only counted).
    const refused = pastUint64();
    const flooding = refused.then(() => Promise.all([flood(), flood()]));
    const run = await runDist({
      inputs: {
        'target-url': `http://127.0.0.1:${(target.address() as AddressInfo).port}/`,
        'receiver-http-port': String(receiverPort),
        'receiver-grpc-port': '0',
        // The flood's service is expected, so the wait lasts until the deadline: no quiet comes.
        'expect-services': 'flood',
        'max-spans': String(MAX_SPANS),
        timeout: String(TIMEOUT_S),
      },
      killAfterMs: 120_000,
    });
    ended = true;
    await flooding;
    const reply = await refused;
    assert.equal(reply?.status, 400, 'a time past uint64 is refused');
    assert.match(reply.body.toString(), /unsigned 64/);
    assert.equal(run.signal, null, `the run ended by itself (after ${run.elapsedMs} ms)`);
    assert.doesNotMatch(run.stderr, /handle stayed open/);
    assert.ok(accepted > 1, `the receiver answered ${accepted} flood batches`);
    const result = JSON.parse(run.outputs['result'] ?? 'null') as FloodResult;
    assert.ok(result.receiver.spans_over_limit > 0, JSON.stringify(result.receiver));
    assert.ok(result.spans.length <= MAX_SPANS, `${result.spans.length} spans in the result`);
    assert.match(run.stdout, /receiver full: \d+ spans refused past input 'max-spans'/);
    process.stdout.write(
      `# flood: run ended after ${run.elapsedMs} ms (timeout ${TIMEOUT_S} s); ${result.receiver.spans_over_limit} spans refused\n`,
    );
  } finally {
    ended = true;
    target.closeAllConnections();
    await new Promise((resolve) => target.close(resolve));
  }
});
