import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { chainSpecs, startChain } from '../../src/modes/self-test/chain';
import { sendProbes } from '../../src/modes/self-test/probe';
import { startTracing } from '../../src/modes/self-test/telemetry/tracing';

const TIMEOUT_MS = 20_000;

/** Whether the context manager wrapped this emitter's listeners (what instrumenting it costs). */
function contextBound(emitter: object): boolean {
  return Object.getOwnPropertySymbols(emitter).some((key) => key.description === 'OtListeners');
}

function get(url: string): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, (response) => {
      response.resume();
      response.on('end', () => resolve(request));
    });
    request.on('error', reject);
  });
}

describe('the probes are the outside caller: not instrumented, the services still are', () => {
  test('a suppressed request is left alone; the probe context arrives as written; the hop is traced', async () => {
    const names = ['service-a', 'service-b'];
    const tracing = await startTracing({
      propagators: ['tracecontext', 'baggage'],
      serviceNames: names,
      fault: undefined,
      traceFetch: false,
    });
    const chain = await startChain({
      specs: chainSpecs({ services: 2, ports: { a: 0, b: 0 } }),
      client: 'http',
      fault: undefined,
      timeoutMs: TIMEOUT_MS,
    });
    try {
      // The instrumentation skips a request sent with tracing suppressed (no span, no wrapped
      // emitters) and still instruments the same request otherwise.
      const url = chain.services[1]!.url;
      const skipped = await context.with(suppressTracing(context.active()), () => get(url));
      assert.equal(contextBound(skipped), false, 'a suppressed request was instrumented');
      const traced = await get(url);
      assert.equal(contextBound(traced), true, 'an ordinary request was not instrumented');

      const before = tracing.spans().length;
      const [probe] = await sendProbes({
        url: chain.entryUrl,
        requests: 1,
        concurrency: 1,
        timeoutMs: TIMEOUT_MS,
        incoming: { context: { sampled: true, tracestate: 'k=v' }, formats: ['tracecontext'] },
      });
      const sent = probe!.sent!;
      const answer = probe!.answer;
      // The entry received exactly the probe's own headers, nothing injected beside them.
      assert.deepEqual(answer.received_headers, {
        traceparent: `00-${sent.traceId}-${sent.spanId}-01`,
        tracestate: 'k=v',
      });
      assert.equal(answer.trace_id, sent.traceId);
      assert.equal(answer.parent_span_id, sent.spanId);
      // The services' spans: two servers, the hop's client span, a koa span each; nothing of
      // the probe's.
      const spans = tracing.spans().slice(before);
      const kinds = spans.map((span) => `${span.service} ${span.kind}`).sort();
      assert.deepEqual(kinds, [
        'service-a client',
        'service-a internal',
        'service-a server',
        'service-b internal',
        'service-b server',
      ]);
      assert.ok(spans.every((span) => span.traceId === sent.traceId));
    } finally {
      await chain.close();
      await tracing.shutdown();
    }
  });
});
