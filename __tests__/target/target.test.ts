import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startStrippingProxy, type RunningProxy } from '../../src/modes/self-test/stripping-proxy';
import { PROPAGATION_HEADERS } from '../../src/modes/self-test/report-body';
import { runDist } from '../helpers/run-dist';
import { ABC, assertDiagnosed, checkChain, names, running } from './check-chain';
import { freePorts } from './harness';

describe(
  'target mode: a three-service chain passes, once per exporter',
  { concurrency: true },
  () => {
    for (const exporter of ['proto', 'json', 'grpc'] as const) {
      test(`OTLP ${exporter === 'grpc' ? 'gRPC' : `HTTP ${exporter}`}`, async () => {
        const { run, result } = await checkChain(names([{ exporter }, { exporter }, { exporter }]));
        assert.equal(run.code, 0, run.stdout.slice(0, 4000));
        assert.equal(result.verdict, 'pass');
        assert.deepEqual([...new Set(result.spans.map((s) => s.service))].sort(), ABC);
        assert.equal(new Set(result.spans.map((s) => s.trace_id)).size, 1);
        assert.deepEqual(
          result.edges.map((e) => `${e.from}->${e.to}`),
          ['probe->service-a', 'service-a->service-b', 'service-b->service-c'],
        );
        assert.equal(run.outputs['same-trace'], 'true');
        assert.equal(run.outputs['parent-matches-traceparent'], 'true');
        assert.match(run.outputs.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
        assert.match(run.summary, /✅ Trace context propagated behind GET/);
      });
    }
  },
);

describe('target mode: broken hops, each named at the right edge', { concurrency: true }, () => {
  test('a hop whose client is uninstrumented fetch', async () => {
    const { run, result } = await checkChain(names([{}, { client: 'fetch' }, {}]));
    assertDiagnosed(
      run,
      result,
      /^service-b -> service-c \(GET \/service-c\): service-c started a new trace, and service-b exported no client span for the call: its HTTP client is not instrumented/,
    );
    assert.deepEqual(result.failed_checks, ['no_new_roots', 'expected_services_present']);
  });

  test('a service with propagation disabled breaks both of its hops', async () => {
    const { run, result } = await checkChain(names([{}, { propagation: 'off' }, {}]));
    assertDiagnosed(
      run,
      result,
      /^service-a -> service-b \(GET http:\/\/127\.0\.0\.1:\d+\/service-b\): service-b started a new trace; the traceparent header did not arrive or was not extracted\.$/,
    );
    assert.ok(
      result.diagnoses.some((d) =>
        /^service-b -> service-c \(GET http:\/\/127\.0\.0\.1:\d+\/service-c\): service-c started a new trace/.test(
          d,
        ),
      ),
      result.diagnoses.join('\n'),
    );
  });

  test('a service that exports nothing is named after export-delay, not at the timeout', async () => {
    const { run, result } = await checkChain(names([{}, { exporter: 'none' }, {}]), {
      timeout: '20',
    });
    assert.ok(!result.diagnoses.some((d) => d.startsWith('Gave up')), result.diagnoses.join('\n'));
    assertDiagnosed(
      run,
      result,
      /^service-b exported no spans at all: check its OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
    assert.ok(
      result.diagnoses.some((d) =>
        /^service-a -> 127\.0\.0\.1:\d+ \(GET http:\/\/127\.0\.0\.1:\d+\/service-b\): no span answered this call/.test(
          d,
        ),
      ),
      result.diagnoses.join('\n'),
    );
    assert.ok(result.failed_checks.includes('calls_answered'), result.failed_checks.join());
    // Ended by the export-delay bound (the traces judged closed), not by the run's timeout.
    assert.equal(result.wait.outcome, 'satisfied');
  });

  test('a header-stripping proxy between two services', async () => {
    const proxies: RunningProxy[] = [];
    const { run, result } = await checkChain(names([{}, {}, {}]), {}, async (index, next) => {
      if (index !== 1) return next.url;
      const proxy = await startStrippingProxy(
        { host: '127.0.0.1', port: next.port },
        PROPAGATION_HEADERS,
      );
      proxies.push(proxy);
      running.push({ stop: () => proxy.close() });
      return next.url.replace(`:${next.port}/`, `:${proxy.port}/`);
    });
    assertDiagnosed(
      run,
      result,
      /^service-b -> service-c \(GET http:\/\/127\.0\.0\.1:\d+\/service-c\): service-c started a new trace; the traceparent header did not arrive or was not extracted\./,
    );
    // The proxy forwards the Host header, so the spans alone cannot tell it from the service.
    assert.equal(result.diagnoses.filter((d) => d.includes('started a new trace;')).length, 1);
  });

  test('an entry service that ignores the incoming context', async () => {
    const { run, result } = await checkChain(names([{ propagation: 'no-extract' }, {}, {}]));
    assertDiagnosed(
      run,
      result,
      /^probe -> service-a \(GET \/service-a\): service-a started a new trace; the traceparent header the probe sent was not extracted\.$/,
    );
    assert.ok(result.failed_checks.includes('entry_joined'));
    assert.equal(run.outputs['parent-matches-traceparent'], 'false');
  });

  test('expect: fail makes a broken target a passing negative control', async () => {
    const { run, result } = await checkChain(names([{}, { propagation: 'off' }]), {
      expect: 'fail',
    });
    assert.equal(run.code, 0, run.stdout.slice(0, 3000));
    assert.equal(result.verdict, 'fail');
  });
});

describe('target mode: many probes', { concurrency: true }, () => {
  test('800 probes through two services, more spans than one export batch: passes', async () => {
    const { run, result } = await checkChain(names([{}, {}]), {
      requests: '800',
      concurrency: '20',
      timeout: '40',
    });
    assert.equal(run.code, 0, run.stdout.slice(0, 3000));
    assert.equal(result.verdict, 'pass');
  });

  test("a service that reuses the previous request's context is caught", async () => {
    const { run, result } = await checkChain(names([{ client: 'leak' }, {}]), { requests: '4' });
    assertDiagnosed(
      run,
      result,
      /^service-a: GET \([0-9a-f]{16}\) joined this probe's trace after the work it continues had ended; it belongs to probe \d: service-a kept a context and used it for a later request \(context leaked between requests\)\.$/,
    );
    assert.ok(result.failed_checks.includes('context_isolated'), result.failed_checks.join());
  });

  test('expect: fail against a target that is down is not a passing negative control', async () => {
    const [httpPort, grpcPort, deadPort] = await freePorts(3);
    const run = await runDist({
      inputs: {
        'target-url': `http://127.0.0.1:${deadPort}/`,
        'receiver-http-port': String(httpPort),
        'receiver-grpc-port': String(grpcPort),
        expect: 'fail',
        timeout: '10',
      },
    });
    assert.equal(run.code, 1, run.stdout.slice(0, 2000));
    assert.match(
      run.stdout,
      /^::error::The check failed, but the target never answered, so the negative control proves nothing/m,
    );
  });
});

describe('target mode: the CLI', { concurrency: true }, () => {
  test('node dist/cli.js --target-url ... --json prints the result and exits 0', async () => {
    const { run, result } = await checkChain(names([{}, {}]), {}, undefined, { cli: ['--json'] });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(result.verdict, 'pass');
  });
});
