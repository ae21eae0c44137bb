import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startStrippingProxy, type RunningProxy } from '../../src/services/stripping-proxy';
import { PROPAGATION_HEADERS } from '../../src/services/report-body';
import { runDist, type DistRun, type RunOptions } from '../helpers/run-dist';
import { freePorts, startChain, type Fixture, type FixtureOptions } from './harness';

interface TargetResult {
  verdict: string;
  failed_checks: string[];
  diagnoses: string[];
  services_seen: string[];
  edges: { from: string; to: string; broken: boolean }[];
  spans: { service: string; kind: string; trace_id: string }[];
}

const running: { stop(): Promise<void> }[] = [];
after(async () => {
  await Promise.all(running.map((r) => r.stop()));
});

const ABC = ['service-a', 'service-b', 'service-c'];

/**
 * Starts the user's services (separate processes, real exporters, batch processors at their
 * defaults), then runs dist/index.js in target mode against the first, with the runner contract.
 */
async function checkChain(
  services: FixtureOptions[],
  inputs: Record<string, string> = {},
  between?: (index: number, next: Fixture) => Promise<string>,
  options: Partial<RunOptions> = {},
): Promise<{ run: DistRun; result: TargetResult; chain: Fixture[] }> {
  const [httpPort, grpcPort] = await freePorts(2);
  const chain = await startChain(services, { httpPort: httpPort!, grpcPort: grpcPort! }, between);
  running.push(...chain);
  const run = await runDist({
    ...options,
    inputs: {
      'target-url': chain[0]!.url,
      'receiver-http-port': String(httpPort),
      'receiver-grpc-port': String(grpcPort),
      'expect-services': services.map((s) => s.name).join(','),
      // Every run also waits for the entry service to answer first, as a workflow would.
      'wait-for': chain[0]!.url,
      settle: '300',
      timeout: '20',
      ...inputs,
    },
  });
  assert.equal(run.signal, null, 'the action ended by itself');
  assert.doesNotMatch(run.stderr, /handle stayed open/);
  const result = JSON.parse(run.outputs.result ?? 'null') as TargetResult;
  return { run, result, chain };
}

function names(options: Partial<FixtureOptions>[]): FixtureOptions[] {
  return options.map((o, index) => ({ name: ABC[index]!, ...o }));
}

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

/** A failed check whose diagnosis names the edge, as a user reads it. */
function assertDiagnosed(run: DistRun, result: TargetResult, edge: RegExp): void {
  assert.equal(run.code, 1, run.stdout.slice(0, 4000));
  assert.equal(result.verdict, 'fail');
  const diagnosis = result.diagnoses.find((d) => edge.test(d));
  assert.ok(diagnosis, `${edge} in:\n${result.diagnoses.join('\n')}`);
  // One annotation per broken edge, titled with it: one of them carries the diagnosis.
  const annotations = run.stdout.split('\n').filter((line) => line.startsWith('::error'));
  assert.ok(
    annotations.some((line) => line.includes(diagnosis)),
    annotations.join('\n'),
  );
}

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

  test('a service that exports nothing: the wait gives up naming it', async () => {
    const { run, result } = await checkChain(names([{}, { exporter: 'none' }, {}]), {
      timeout: '9',
    });
    assert.match(
      result.diagnoses[0] ?? '',
      /^Gave up after [\d.]+ s \(input 'timeout'\) waiting for service-b \(input 'expect-services'\) to export spans\.$/,
    );
    assertDiagnosed(
      run,
      result,
      /^service-b exported no spans at all: check its OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
    assert.ok(result.failed_checks.includes('parents_resolved'), result.failed_checks.join());
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
      /^service-a(, service-b)?: \d+ spans? joined this probe's trace after the work they belong to had ended: a service kept the context and used it for a later request/,
    );
    assert.ok(result.failed_checks.includes('no_late_spans'), result.failed_checks.join());
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
