import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runDist, type DistRun } from '../helpers/run-dist';

/** The parts of the JSON result these tests read. */
interface Result {
  verdict: string;
  same_trace: boolean;
  parent_matches_traceparent: boolean;
  every_hop_same_trace: boolean;
  every_hop_parent_matches: boolean;
  failed_checks: string[];
  hops: { hop: number; passed: boolean; diagnosis: string | null; header: string | null }[];
  requests: {
    total: number;
    passed: number;
    failed: number;
    latency_ms: { p50: number; p95: number; p99: number };
  };
  checks: { check: string; passed: boolean; requests_failed: number; observed: string }[];
  spans: { service: string; kind: string; trace_id: string }[];
}

function resultOf(run: DistRun): Result {
  assert.equal(run.signal, null, 'the run ended by itself');
  assert.doesNotMatch(run.stderr, /handle stayed open/);
  return JSON.parse(run.outputs.result ?? 'null') as Result;
}

/** A run's own bound, far past what it needs, so a loaded machine still gives the verdict. */
const GENEROUS_TIMEOUT = { timeout: '120' };

async function expectPass(inputs: Record<string, string>): Promise<Result> {
  const run = await runDist({ inputs: { ...GENEROUS_TIMEOUT, ...inputs } });
  const result = resultOf(run);
  assert.equal(run.code, 0, `${JSON.stringify(inputs)}: ${run.stdout.slice(0, 3000)}`);
  assert.equal(result.verdict, 'pass');
  assert.deepEqual(result.failed_checks, []);
  return result;
}

/** A broken hop: the step fails, and the diagnosis names that hop and the cause. */
async function expectBrokenHop(
  inputs: Record<string, string>,
  hop: number,
  cause: RegExp,
): Promise<Result> {
  const run = await runDist({ inputs: { ...GENEROUS_TIMEOUT, ...inputs } });
  const result = resultOf(run);
  assert.equal(run.code, 1, `${JSON.stringify(inputs)} should fail: ${run.stdout.slice(0, 2000)}`);
  assert.equal(result.verdict, 'fail');
  assert.equal(run.outputs.verdict, 'fail');
  const broken = result.hops.filter((h) => !h.passed).map((h) => h.hop);
  assert.deepEqual(broken, [hop], `only hop ${hop} is broken`);
  const diagnosis = result.hops[hop - 1]!.diagnosis ?? '';
  const caller = `service-${String.fromCharCode(96 + hop)}`;
  const callee = `service-${String.fromCharCode(97 + hop)}`;
  assert.ok(diagnosis.startsWith(`${caller} -> ${callee} (GET http://127.0.0.1:`), diagnosis);
  assert.match(diagnosis, cause);
  // One annotation per broken hop, titled with it, carrying the hop's diagnosis.
  const annotation = run.stdout.split('\n').find((line) => line.startsWith('::error')) ?? '';
  assert.ok(
    annotation.startsWith(`::error title=Broken hop ${hop}%3A ${caller} → ${callee}::`),
    annotation,
  );
  assert.ok(annotation.includes(`${caller} -> ${callee}`), annotation);
  return result;
}

describe('propagators, with got', { concurrency: true }, () => {
  for (const propagators of [
    'tracecontext',
    'b3',
    'b3multi',
    'jaeger',
    'tracecontext,baggage',
    'b3multi,baggage',
  ]) {
    test(`${propagators} passes`, async () => {
      const result = await expectPass({ propagators });
      const checks = result.checks.map((c) => c.check);
      const stem = {
        tracecontext: 'traceparent',
        b3: 'b3',
        b3multi: 'x_b3',
        jaeger: 'uber_trace_id',
      }[propagators.split(',')[0] as 'b3'];
      assert.ok(checks.includes(`parent_matches_${stem}`), checks.join());
      assert.equal(checks.includes('baggage_propagated'), propagators.includes('baggage'));
    });
  }
  for (const propagators of ['baggage', 'none']) {
    test(`${propagators} alone carries no trace context and fails at hop 1`, async () => {
      await expectBrokenHop({ propagators }, 1, /no trace-context propagator is configured/);
    });
  }
});

describe('clients, with tracecontext', { concurrency: true }, () => {
  for (const client of ['got', 'http', 'fetch']) {
    test(`${client} passes, with a client span for the call`, async () => {
      const result = await expectPass({ client, propagators: 'tracecontext', hops: '3' });
      assert.equal(result.hops.length, 2);
      const link = result.checks.filter((c) => c.check === 'parent_is_caller_client_span');
      assert.deepEqual(
        link.map((c) => c.passed),
        [true, true],
      );
      assert.equal(result.spans.filter((s) => s.kind === 'client').length, 2);
    });
  }
});

describe('chains and load', { concurrency: true }, () => {
  test('a 16-hop chain passes', async () => {
    const result = await expectPass({ hops: '16' });
    assert.equal(result.hops.length, 15);
    assert.equal(new Set(result.spans.map((s) => s.service)).size, 16);
    assert.equal(new Set(result.spans.map((s) => s.trace_id)).size, 1);
  });

  test('200 requests at concurrency 20: each its own trace, isolated, with latency figures', async () => {
    const result = await expectPass({ requests: '200', concurrency: '20', hops: '3' });
    assert.deepEqual(
      [result.requests.total, result.requests.passed, result.requests.failed],
      [200, 200, 0],
    );
    assert.ok(result.checks.some((c) => c.check === 'isolated'));
    const { p50, p95, p99 } = result.requests.latency_ms;
    assert.ok(p50 > 0 && p50 <= p95 && p95 <= p99, JSON.stringify(result.requests.latency_ms));
  });

  test('a context leaked between requests breaks isolation, and is caught', async () => {
    const result = await expectBrokenHop(
      { requests: '50', concurrency: '2', hops: '3', fault: 'leaked-context', 'fault-hop': '2' },
      2,
      /sent another request's context \(context leaked between requests\)/,
    );
    assert.ok(result.requests.failed > 0);
    assert.ok(result.checks.find((c) => c.check === 'isolated')!.requests_failed > 0);
    // The baggage that arrived is another request's, and the check says so.
    assert.match(
      result.checks.find((c) => c.check === 'baggage_propagated')!.observed,
      /^request \d+'s baggage at service-c \(hop 2: .*the context leaked between requests\)$/,
    );
  });
});

const FAULTS: [string, RegExp][] = [
  [
    'strip-header',
    /no traceparent header arrived although service-\w made client span [0-9a-f]{16} for the call: something between them dropped the header/,
  ],
  [
    'uninstrumented-client',
    /exported no client span for the call: its HTTP client is not instrumented/,
  ],
  ['propagator-mismatch', /no traceparent header arrived, but b3 did: .* \(propagator mismatch\)/],
  ['ignore-context', /the traceparent header arrived but service-\w did not continue it/],
];

describe('faults the check must catch, named at their hop', { concurrency: true }, () => {
  for (const [fault, cause] of FAULTS) {
    test(`${fault} at hop 1 of 2`, async () => {
      await expectBrokenHop({ fault }, 1, cause);
    });
    test(`${fault} at hop 3 of a 5-service chain`, async () => {
      await expectBrokenHop({ fault, hops: '5', 'fault-hop': '3' }, 3, cause);
    });
  }
});

describe('incoming context', { concurrency: true }, () => {
  test('sampled with tracestate: joined, tracestate unchanged at the last hop', async () => {
    const result = await expectPass({
      'incoming-context': 'sampled',
      tracestate: 'vendor=abc,tenant@sys=x1',
      hops: '4',
    });
    for (const check of ['entry_joined', 'tracestate_propagated', 'sampled_flag_propagated']) {
      assert.ok(
        result.checks.some((c) => c.check === check && c.passed),
        check,
      );
    }
  });

  test('unsampled: trace id and flag propagate, with no spans recorded', async () => {
    const result = await expectPass({
      'incoming-context': 'unsampled',
      hops: '3',
      propagators: 'b3multi',
    });
    assert.equal(result.spans.length, 0);
    assert.ok(result.checks.some((c) => c.check === 'sampled_flag_propagated'));
  });

  test('unsampled through a header-stripping hop fails there', async () => {
    await expectBrokenHop(
      { 'incoming-context': 'unsampled', hops: '3', fault: 'strip-header', 'fault-hop': '2' },
      2,
      /something between them dropped it, or service-b's HTTP client is not instrumented/,
    );
  });
});

describe('expect', { concurrency: true }, () => {
  test('expect: fail with a fault succeeds, and still reports verdict fail', async () => {
    const run = await runDist({ inputs: { expect: 'fail', fault: 'ignore-context' } });
    resultOf(run);
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.outputs.verdict, 'fail');
    assert.match(run.stdout, /Negative control: the check failed as expected/);
    assert.match(run.summary, /Negative control failed as expected/);
  });

  test('expect: fail without a fault fails the step', async () => {
    const run = await runDist({ inputs: { expect: 'fail' } });
    resultOf(run);
    assert.equal(run.code, 1);
    assert.equal(run.outputs.verdict, 'pass');
    assert.match(
      run.stdout,
      /^::error::Expected the check to fail \(expect: fail\), but trace context propagated/m,
    );
  });
});

describe('outputs never contradict the verdict', { concurrency: true }, () => {
  test('broken at hop 3 of 5: same-trace and parent-matches are false, though hop 1 held', async () => {
    const run = await runDist({ inputs: { hops: '5', fault: 'strip-header', 'fault-hop': '3' } });
    const result = resultOf(run);
    assert.equal(run.outputs.verdict, 'fail');
    assert.equal(run.outputs['same-trace'], 'false');
    assert.equal(run.outputs['parent-matches-traceparent'], 'false');
    // The seed's literal A -> B fields keep their meaning: hop 1 did hold.
    assert.equal(result.same_trace, true);
    assert.equal(result.parent_matches_traceparent, true);
    assert.equal(result.every_hop_same_trace, false);
    assert.equal(result.every_hop_parent_matches, false);
  });

  for (const inputs of [
    { propagators: 'b3' } as Record<string, string>,
    { propagators: 'b3multi' },
    { propagators: 'jaeger' },
    { 'incoming-context': 'unsampled', hops: '3' },
    { 'incoming-context': 'sampled', propagators: 'b3,tracecontext', hops: '3' },
  ]) {
    test(`a pass with ${JSON.stringify(inputs)}: both outputs true`, async () => {
      const run = await runDist({ inputs });
      const result = resultOf(run);
      assert.equal(run.outputs.verdict, 'pass', run.stdout.slice(0, 2000));
      assert.equal(run.outputs['same-trace'], 'true');
      assert.equal(run.outputs['parent-matches-traceparent'], 'true');
      assert.equal(result.every_hop_parent_matches, true);
    });
  }

  test('unsampled and stripped at hop 2: parent-matches is false', async () => {
    const run = await runDist({
      inputs: {
        'incoming-context': 'unsampled',
        hops: '3',
        fault: 'strip-header',
        'fault-hop': '2',
      },
    });
    resultOf(run);
    assert.equal(run.outputs['same-trace'], 'false');
    assert.equal(run.outputs['parent-matches-traceparent'], 'false');
  });
});

describe('negative controls prove only what they were set up for', { concurrency: true }, () => {
  test('a fault with no trace-context propagator is refused as an input error', async () => {
    for (const propagators of ['none', 'baggage']) {
      const run = await runDist({
        inputs: { hops: '5', fault: 'strip-header', 'fault-hop': '3', propagators, expect: 'fail' },
      });
      assert.equal(run.code, 1);
      assert.equal(run.outputs.verdict, 'error');
      const errors = run.stdout.split('\n').filter((line) => line.startsWith('::error::'));
      assert.equal(errors.length, 1, run.stdout);
      assert.match(errors[0]!, /Input 'fault' needs a trace-context propagator in 'propagators'/);
      assert.doesNotMatch(run.stdout + run.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  test('fault-hop out of range is refused even with no fault', async () => {
    const run = await runDist({ inputs: { 'fault-hop': '99' } });
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^::error::Input 'fault-hop' must be a whole number from 1 to 1/m);
  });
});
