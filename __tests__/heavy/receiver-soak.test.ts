// Issue 5, part 3: receiver soak, in-process against startReceiver. 8 concurrent senders over
// loopback send SOAK_REQUESTS requests (default 100,000) mixing valid OTLP/HTTP exports (protobuf,
// JSON, gzip; small batches of unique spans, and a share of exact resends) with hostile ones (bad
// protobuf, bad JSON, a wrong content type, GET, oversize, truncated gzip). Every valid span must
// be stored exactly once, every resent one counted as a duplicate, every hostile request answered
// with its status; memory is reported and must come back down.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { gzipSync } from 'node:zlib';
import { startReceiver, type Receiver } from '../../src/receiver';
import { jsonRequest, jsonSpan, protobufRequest } from '../receiver/bodies';

const REQUESTS = Number(process.env.SOAK_REQUESTS ?? 100_000);
const SENDERS = 8;
/** A small body limit, so oversize requests stay cheap to send. */
const LIMIT = 32 * 1024;
const MB = 1024 * 1024;
/** Per-request bound: a request that gets no answer in this long fails the soak, never hangs it. */
const REQUEST_TIMEOUT_MS = 10_000;

assert.ok(Number.isSafeInteger(REQUESTS) && REQUESTS >= 1000, 'SOAK_REQUESTS is at least 1000');

type Kind =
  | 'protobuf'
  | 'json'
  | 'gzip-protobuf'
  | 'resend'
  | 'bad-protobuf'
  | 'bad-json'
  | 'wrong-type'
  | 'get'
  | 'oversize'
  | 'truncated-gzip';

/** The mix, per 100 requests: 62 new batches, 10 exact resends, 28 hostile. */
function kindOf(index: number): Kind {
  const slot = index % 100;
  if (slot < 30) return 'protobuf';
  if (slot < 58) return 'json';
  if (slot < 62) return 'gzip-protobuf';
  if (slot < 72) return 'resend';
  if (slot < 77) return 'bad-protobuf';
  if (slot < 82) return 'bad-json';
  if (slot < 86) return 'wrong-type';
  if (slot < 91) return 'get';
  if (slot < 94) return 'oversize';
  return 'truncated-gzip';
}

const EXPECTED_STATUS: Record<Kind, number> = {
  protobuf: 200,
  json: 200,
  'gzip-protobuf': 200,
  resend: 200,
  'bad-protobuf': 400,
  'bad-json': 400,
  'wrong-type': 415,
  get: 405,
  oversize: 413,
  'truncated-gzip': 400,
};

interface Request {
  method: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

interface Batch {
  request: Request;
  spans: number;
}

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
const BAD_PROTOBUF = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]);
const BAD_JSON = Buffer.from('{"resourceSpans": [');
const OVERSIZE = Buffer.from(jsonRequest('oversize', [jsonSpan({ name: 'x'.repeat(LIMIT) })]));

/** Makes the traffic: new batches with ids never used before, resends of earlier ones. */
class Traffic {
  /** trace id + span id of every distinct span sent in a valid batch. */
  readonly sent = new Set<string>();
  resentSpans = 0;
  private nextSpan = 1;
  private nextTrace = 1;
  private readonly recent: Batch[] = [];

  request(kind: Kind): { request: Request; resent: number } {
    switch (kind) {
      case 'protobuf':
      case 'json':
      case 'gzip-protobuf': {
        const batch = this.batch(kind);
        this.recent[this.nextTrace % 64] = batch;
        return { request: batch.request, resent: 0 };
      }
      case 'resend': {
        const batch = this.recent[(this.nextTrace * 7) % 64] ?? this.recent[this.nextTrace % 64];
        if (batch === undefined) return this.request('json');
        return { request: batch.request, resent: batch.spans };
      }
      case 'bad-protobuf':
        return post(PROTOBUF, BAD_PROTOBUF);
      case 'bad-json':
        return post(JSON_TYPE, BAD_JSON);
      case 'wrong-type':
        return post('text/plain', Buffer.from('hello'));
      case 'get':
        return { request: { method: 'GET', headers: {}, body: undefined }, resent: 0 };
      case 'oversize':
        return post(JSON_TYPE, OVERSIZE);
      case 'truncated-gzip': {
        // A valid batch, compressed and cut in half: its spans must never be stored.
        const whole = gzipSync(
          jsonRequest('truncated', [jsonSpan({ spanId: 'ffffffffffffff01' })]),
        );
        return post(JSON_TYPE, whole.subarray(0, whole.length >> 1), 'gzip');
      }
    }
  }

  /** 1 to 4 spans of one trace, every span id new. */
  private batch(kind: 'protobuf' | 'json' | 'gzip-protobuf'): Batch {
    const traceId = (this.nextTrace++).toString(16).padStart(32, '0');
    const count = (this.nextTrace % 4) + 1;
    const spans = Array.from({ length: count }, () => {
      const spanId = (this.nextSpan++).toString(16).padStart(16, '0');
      this.sent.add(`${traceId}-${spanId}`);
      return jsonSpan({ traceId, spanId, name: `soak ${spanId}` });
    });
    const service = `soak-${this.nextTrace % 5}`;
    if (kind === 'json')
      return {
        request: post(JSON_TYPE, Buffer.from(jsonRequest(service, spans))).request,
        spans: count,
      };
    const body = protobufRequest(service, spans);
    return kind === 'protobuf'
      ? { request: post(PROTOBUF, body).request, spans: count }
      : { request: post(PROTOBUF, gzipSync(body), 'gzip').request, spans: count };
  }
}

function post(type: string, body: Buffer, encoding?: string): { request: Request; resent: 0 } {
  const headers: Record<string, string> = { 'content-type': type };
  if (encoding !== undefined) headers['content-encoding'] = encoding;
  return { request: { method: 'POST', headers, body }, resent: 0 };
}

function send(agent: http.Agent, port: number, request: Request): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/traces',
        method: request.method,
        headers: request.headers,
        agent,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

interface Outcome {
  requests: number;
  elapsedMs: number;
  mismatches: string[];
  transportErrors: number;
  hostile: number;
  resentSpans: number;
}

/** Sends `count` requests of the mix from SENDERS concurrent senders; `pick` may narrow it. */
async function drive(
  receiver: Receiver,
  traffic: Traffic,
  count: number,
  pick: (index: number) => Kind = kindOf,
): Promise<Outcome> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: SENDERS });
  const outcome: Outcome = {
    requests: count,
    elapsedMs: 0,
    mismatches: [],
    transportErrors: 0,
    hostile: 0,
    resentSpans: 0,
  };
  let next = 0;
  const started = performance.now();
  const sender = async (): Promise<void> => {
    while (next < count) {
      const kind = pick(next++);
      const { request, resent } = traffic.request(kind);
      const expected = EXPECTED_STATUS[kind];
      if (expected !== 200) outcome.hostile += 1;
      outcome.resentSpans += resent;
      try {
        const status = await send(agent, receiver.httpPort, request);
        if (status !== expected && outcome.mismatches.length < 10) {
          outcome.mismatches.push(`${kind}: expected ${expected}, got ${status}`);
        }
      } catch (error) {
        outcome.transportErrors += 1;
        if (outcome.mismatches.length < 10) outcome.mismatches.push(`${kind}: ${String(error)}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: SENDERS }, sender));
  } finally {
    agent.destroy();
  }
  outcome.elapsedMs = performance.now() - started;
  return outcome;
}

/** A real GC when this Node allows one (globalThis.gc, or --expose-gc set at run time). */
function findGc(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

const gc = findGc();

interface Memory {
  heap: number;
  rss: number;
}

/** Settled memory: after two full collections, with a turn of the loop between for finalizers. */
async function settledMemory(): Promise<Memory> {
  for (let round = 0; round < 2; round += 1) {
    gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

/**
 * The soak itself, in a function of its own: when it returns, nothing of the receiver, the spans
 * or the traffic is reachable any more, so the memory measured after it is what leaked.
 */
async function soak(
  report: (line: string) => void,
): Promise<{ afterRun: Memory; afterTail: Memory }> {
  const receiver = await startReceiver({ httpPort: 0, grpcPort: 'disabled', maxBodyBytes: LIMIT });
  try {
    const traffic = new Traffic();
    const run = await drive(receiver, traffic, REQUESTS);
    const perSecond = Math.round((REQUESTS / run.elapsedMs) * 1000);
    report(
      `${REQUESTS} requests in ${(run.elapsedMs / 1000).toFixed(1)} s (${perSecond} requests/s); ${run.hostile} hostile, ${traffic.sent.size} distinct spans, ${run.resentSpans} resent`,
    );

    assert.deepEqual(run.mismatches, [], 'every request got its status');
    assert.equal(run.transportErrors, 0);
    const stats = receiver.stats();
    assert.equal(stats.httpRequests, REQUESTS);
    assert.equal(stats.failedRequests, run.hostile, 'every hostile request counted as failed');
    assert.equal(stats.acceptedSpans, traffic.sent.size, 'every distinct span stored');
    assert.equal(stats.duplicateSpans, run.resentSpans, 'every resent span a duplicate');
    assert.equal(stats.rejectedSpans, 0);
    const stored = receiver.spans();
    assert.equal(stored.length, traffic.sent.size, 'each span stored exactly once');
    const keys = new Set(stored.map((span) => `${span.traceId}-${span.spanId}`));
    assert.equal(keys.size, stored.length, 'no span stored twice');
    let missing = 0;
    for (const key of traffic.sent) if (!keys.has(key)) missing += 1;
    assert.equal(missing, 0, 'every span sent is stored');
    assert.ok(!stored.some((span) => span.service === 'truncated' || span.service === 'oversize'));
    const afterRun = await settledMemory();

    // Then traffic that must store nothing: hostile requests and exact resends only. The heap must
    // stay where it was: nothing of a request outlives it.
    const tailCount = Math.max(1000, Math.round(REQUESTS / 10));
    const tail = await drive(receiver, traffic, tailCount, (index) => {
      const kind = kindOf(index);
      return kind === 'protobuf' || kind === 'json' || kind === 'gzip-protobuf' ? 'resend' : kind;
    });
    assert.deepEqual(tail.mismatches, []);
    assert.equal(receiver.stats().acceptedSpans, traffic.sent.size, 'the tail stored nothing');
    assert.equal(receiver.stats().duplicateSpans, run.resentSpans + tail.resentSpans);
    const afterTail = await settledMemory();
    report(`tail of ${tailCount} non-storing requests in ${(tail.elapsedMs / 1000).toFixed(1)} s`);
    return { afterRun, afterTail };
  } finally {
    await receiver.close();
  }
}

const mb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;

test(
  `receiver soak: ${REQUESTS} requests from ${SENDERS} concurrent senders`,
  // A guard against hanging only: every request has its own bound, and load may slow the rest.
  { timeout: Math.max(600_000, REQUESTS * 10) },
  async (t) => {
    const report = (line: string): void => {
      console.log(`soak: ${line}`);
      t.diagnostic(line);
    };
    report(gc ? 'forced GC available: heap compared' : 'no forced GC: RSS compared');

    // Warm-up: the code paths compiled, the allocator grown, on a receiver thrown away after.
    {
      const warm = await startReceiver({ httpPort: 0, grpcPort: 'disabled', maxBodyBytes: LIMIT });
      try {
        const warmup = await drive(warm, new Traffic(), 2_000);
        assert.deepEqual(warmup.mismatches, []);
      } finally {
        await warm.close();
      }
    }
    const baseline = await settledMemory();
    let peakRss = process.memoryUsage.rss();
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }, 50);

    let measured: { afterRun: Memory; afterTail: Memory };
    try {
      measured = await soak(report);
    } finally {
      clearInterval(sampler);
    }
    const { afterRun, afterTail } = measured;
    const final = await settledMemory();
    peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);

    report(
      `heap: baseline ${mb(baseline.heap)}, after the run ${mb(afterRun.heap)}, after the tail ${mb(afterTail.heap)}, after close ${mb(final.heap)}`,
    );
    report(
      `RSS: baseline ${mb(baseline.rss)}, peak ${mb(peakRss)}, after the run ${mb(afterRun.rss)}, final ${mb(final.rss)}`,
    );

    if (gc) {
      assert.ok(
        afterTail.heap - afterRun.heap < 16 * MB,
        `non-storing traffic grew the heap by ${mb(afterTail.heap - afterRun.heap)}`,
      );
      assert.ok(
        final.heap - baseline.heap < 24 * MB,
        `the closed receiver left ${mb(final.heap - baseline.heap)} on the heap`,
      );
    } else {
      assert.ok(
        afterTail.rss - afterRun.rss < 64 * MB,
        `non-storing traffic grew RSS by ${mb(afterTail.rss - afterRun.rss)}`,
      );
      assert.ok(
        final.rss - baseline.rss < 256 * MB,
        `RSS after close is ${mb(final.rss - baseline.rss)} above the baseline`,
      );
    }
  },
);
