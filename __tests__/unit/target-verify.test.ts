import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { verifyTarget } from '../../src/verify/target';
import type { SpanRecord } from '../../src/verify/types';
import { healthy, PROBE_SPAN, probe, second, span } from '../helpers/target-spans';

function verify(spans: SpanRecord[], expectServices = ['checkout', 'payment']) {
  return verifyTarget({ probes: [probe], spans, expectServices, header: 'traceparent' });
}

function failed(spans: SpanRecord[], expectServices?: string[]): string[] {
  return verify(spans, expectServices).failedChecks;
}

describe('verifyTarget', () => {
  test('a healthy chain passes and draws its edges', () => {
    const verification = verify(healthy());
    assert.deepEqual(verification.failedChecks, []);
    assert.deepEqual(
      verification.sample.edges.map((e) => `${e.from}->${e.to}`),
      ['probe->checkout', 'checkout->payment'],
    );
  });

  test('a new root is attributed to the client span that made the call', () => {
    const spans = healthy();
    spans[2] = {
      ...spans[2]!,
      traceId: '22222222222222222222222222222222',
      parentSpanId: undefined,
      parentIsRemote: undefined,
    };
    const verification = verify(spans);
    assert.deepEqual(verification.failedChecks, [
      'calls_answered',
      'no_new_roots',
      'expected_services_present',
    ]);
    assert.equal(
      verification.sample.diagnoses[0],
      'checkout -> payment (POST http://127.0.0.1:9002/pay): payment started a new trace; the traceparent header did not arrive or was not extracted.',
    );
    assert.deepEqual(verification.sample.edges.at(-1), {
      from: 'checkout',
      to: 'payment',
      call: 'POST http://127.0.0.1:9002/pay',
      broken: true,
    });
  });

  test("a new root with no client span is the caller's uninstrumented client", () => {
    const spans = healthy();
    spans.splice(1, 2, {
      ...spans[2]!,
      traceId: '22222222222222222222222222222222',
      parentSpanId: undefined,
    });
    assert.match(
      verify(spans).sample.diagnoses[0] ?? '',
      /^checkout -> payment \(POST \/pay\): payment started a new trace, and checkout exported no client span/,
    );
  });

  test('a root long before or after the probe, from unrelated traffic, is not counted', () => {
    const spans = healthy();
    spans.push(
      span('payment', 'server', 'f000000000000001', undefined, [5000, 5001], {
        traceId: '33333333333333333333333333333333',
      }),
    );
    assert.deepEqual(failed(spans), []);
  });

  test('a root started just before the probe (a wait-for request) is not counted', () => {
    const spans = healthy();
    spans.push(
      span('checkout', 'server', 'e000000000000001', undefined, [950, 960], {
        traceId: '55555555555555555555555555555555',
      }),
    );
    assert.deepEqual(failed(spans), []);
  });

  test('a dangling parent: a service in between exports nothing', () => {
    const spans = healthy();
    spans[2] = { ...spans[2]!, parentSpanId: 'dddddddddddddddd' };
    assert.ok(failed(spans).includes('parents_resolved'));
  });

  test('a server span whose parent is not a client span', () => {
    const spans = healthy();
    spans[2] = { ...spans[2]!, parentSpanId: 'c000000000000001' };
    assert.ok(failed(spans).includes('server_parent_is_client'));
  });

  test('span flags: a server span continuing a local parent is failed extraction', () => {
    const spans = healthy();
    spans[2] = { ...spans[2]!, parentIsRemote: false };
    assert.deepEqual(failed(spans), ['remote_parent_extracted']);
  });

  test("the entry ignored the probe's context", () => {
    const spans = healthy().map((s) => ({ ...s, traceId: '44444444444444444444444444444444' }));
    spans[0] = { ...spans[0]!, parentSpanId: undefined };
    const verification = verify(spans);
    assert.ok(verification.failedChecks.includes('entry_joined'));
    assert.match(
      verification.sample.diagnoses[0] ?? '',
      /^probe -> checkout \(GET\): checkout started a new trace/,
    );
  });

  test('a service that exported nothing at all is named', () => {
    const verification = verify(healthy(), ['checkout', 'payment', 'ledger']);
    assert.deepEqual(verification.failedChecks, ['expected_services_present']);
    assert.match(verification.sample.diagnoses.join('\n'), /^ledger exported no spans at all/m);
  });

  test('a target that did not answer', () => {
    const verification = verifyTarget({
      probes: [{ ...probe, status: undefined, error: 'ECONNREFUSED' }],
      spans: [],
      expectServices: [],
      header: 'traceparent',
    });
    assert.deepEqual(verification.failedChecks, ['target_answered', 'entry_joined']);
    assert.match(verification.sample.diagnoses[0] ?? '', /did not answer \(ECONNREFUSED\)/);
  });

  test('with several probes, each new root is given to the probe whose call it answered', () => {
    // Probe 1 is healthy; probe 2's call to payment lost its context. Sequential, 50 ms apart.
    const shifted = healthy().map((s) => ({
      ...s,
      traceId: second.traceId,
      spanId: `${s.spanId.slice(0, 15)}9`,
      parentSpanId:
        s.parentSpanId === PROBE_SPAN
          ? second.spanId
          : s.parentSpanId && `${s.parentSpanId.slice(0, 15)}9`,
      startTimeMs: s.startTimeMs + 200,
      endTimeMs: s.endTimeMs + 200,
    }));
    shifted[2] = {
      ...shifted[2]!,
      traceId: '77777777777777777777777777777777',
      parentSpanId: undefined,
    };
    const verification = verifyTarget({
      probes: [probe, second],
      spans: [...healthy(), ...shifted],
      expectServices: ['checkout', 'payment'],
      header: 'traceparent',
    });
    assert.deepEqual(
      verification.probes.map((p) => p.passed),
      [true, false],
    );
    assert.match(
      verification.probes[1]!.diagnoses[0] ?? '',
      /^checkout -> payment \(POST http:\/\/127\.0\.0\.1:9002\/pay\): payment started a new trace/,
    );
  });

  test('probes that read alike share their findings and edges, frozen; each keeps its own spans', () => {
    // c000000000000001 -> d000000000000001, p000000000000001 -> q000000000000001.
    const moved = (id: string): string => `${id[0] === 'c' ? 'd' : 'q'}${id.slice(1)}`;
    const shifted = healthy().map((s) => ({
      ...s,
      traceId: second.traceId,
      spanId: moved(s.spanId),
      parentSpanId:
        s.parentSpanId === PROBE_SPAN ? second.spanId : s.parentSpanId && moved(s.parentSpanId),
      startTimeMs: s.startTimeMs + 200,
      endTimeMs: s.endTimeMs + 200,
    }));
    const spans = [...healthy(), ...shifted];
    const verification = verifyTarget({
      probes: [probe, second],
      spans,
      expectServices: ['checkout', 'payment'],
      header: 'traceparent',
    });
    const [first, other] = verification.probes;
    assert.deepEqual(verification.failedChecks, []);
    // The same objects, which no consumer can change for both.
    assert.equal(first!.findings.length, other!.findings.length);
    const pairs = [
      ...first!.findings.map((finding, n) => [finding, other!.findings[n]] as const),
      ...first!.edges.map((edge, n) => [edge, other!.edges[n]] as const),
    ];
    // Equal in content: one object; else two (the entry names each probe's own trace).
    for (const [mine, theirs] of pairs) {
      if (isDeepStrictEqual(mine, theirs)) assert.equal(mine, theirs);
      else assert.notEqual(mine, theirs);
    }
    assert.ok(pairs.filter(([mine, theirs]) => mine === theirs).length >= 10);
    assert.ok([...first!.findings, ...first!.edges].every((item) => Object.isFrozen(item)));
    assert.ok(first!.findings.every((finding) => 'hop' in finding && finding.hop === undefined));
    // Each probe's own trace, in store order; the input is left as it was.
    assert.deepEqual(first!.spans, spans.slice(0, shifted.length));
    assert.deepEqual(other!.spans, shifted);
    assert.equal(spans.length, shifted.length * 2);
  });

  test("a run of one trace gets a copy of the spans, not the caller's array", () => {
    const spans = healthy();
    const verification = verify(spans);
    assert.notEqual(verification.sample.spans, spans);
    assert.deepEqual(verification.sample.spans, spans);
  });

  test('an entry that ignores the context is named for every probe, each once', () => {
    const probes = [0, 1, 2].map((n) => ({
      ...probe,
      index: n + 1,
      traceId: `${n + 1}`.repeat(32),
      startMs: 1000 + n * 200,
      endMs: 1100 + n * 200,
    }));
    const spans = probes.map((p, n) =>
      span(
        'checkout',
        'server',
        `e00000000000000${n + 1}`,
        undefined,
        [p.startMs + 1, p.endMs - 1],
        { traceId: `${n + 4}`.repeat(32) },
      ),
    );
    const verification = verifyTarget({ probes, spans, expectServices: [], header: 'traceparent' });
    for (const result of verification.probes) {
      assert.equal(result.passed, false);
      assert.equal(result.diagnoses.length, 1, result.diagnoses.join('\n'));
      assert.match(
        result.diagnoses[0]!,
        /^probe -> checkout \(GET\): checkout started a new trace/,
      );
    }
  });

  test('a call made after its parent ended, answered, is work after the answer, not a leak', () => {
    const spans = healthy();
    spans.push(
      span('checkout', 'client', 'c000000000000009', 'c000000000000001', [1200, 1210], {
        attributes: { 'server.port': 9002 },
      }),
      span('payment', 'server', 'p000000000000009', 'c000000000000009', [1201, 1209]),
    );
    const verification = verify(spans);
    assert.deepEqual(verification.failedChecks, []);
    const isolation = verification.sample.findings.find((f) => f.check === 'context_isolated');
    assert.match(isolation?.observed ?? '', /1 span after the answer, parent chain intact/);
  });

  test('a silent service whose spans the receiver refused is told apart', () => {
    const verification = verifyTarget({
      probes: [probe],
      spans: healthy(),
      expectServices: ['checkout', 'payment', 'ledger'],
      header: 'traceparent',
      rejected: [{ service: 'ledger', reason: 'all-zero trace id' }],
    });
    assert.match(
      verification.sample.diagnoses.join('\n'),
      /^ledger exported spans, but the receiver refused it \(all-zero trace id\): all-zero ids usually mean two copies of the OpenTelemetry API/m,
    );
  });
});

describe('a span of the trace exported under the probe span’s own id', () => {
  test('does not hide the entry that joined the probe', () => {
    // Something on the probe's side (a sidecar instrumenting the probe's request) exported the
    // probe's call under the probe span's id: the entry's parent now resolves in the trace.
    const probeCall = span('sidecar', 'client', PROBE_SPAN, undefined, [1000, 1095]);
    const verification = verifyTarget({
      probes: [probe],
      spans: [probeCall, ...healthy()],
      expectServices: [],
      header: 'traceparent',
    });
    const entry = verification.sample.findings.find((f) => f.check === 'entry_joined');
    assert.equal(entry?.passed, true, entry?.observed);
    assert.equal(entry?.observed, 'checkout: GET (c000000000000001)');
  });
});
