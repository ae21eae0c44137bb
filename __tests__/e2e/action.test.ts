import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { readActionYml } from '../helpers/action-yml';
import { runDist, type DistRun } from '../helpers/run-dist';
import { freePorts } from '../target/harness';

const TRACE_ID = /^[0-9a-f]{32}$/;

/** Every run must end by itself: not killed, and nothing left holding the process open. */
function assertExitedCleanly(run: DistRun): void {
  assert.equal(run.signal, null, `killed: ${run.stdout}\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /handle stayed open/);
  assert.doesNotMatch(run.stdout + run.stderr, /^\s+at /m, 'no stack trace');
}

function errorAnnotations(run: DistRun): string[] {
  return run.stdout.split('\n').filter((line) => line.startsWith('::error::'));
}

/** Error annotations with a title (`::error title=...::message`), their properties decoded. */
function titledErrors(run: DistRun): { title: string; message: string }[] {
  const decode = (text: string): string =>
    text.replace(/%(25|0D|0A|3A|2C)/g, (_, code: string) =>
      String.fromCharCode(parseInt(code, 16)),
    );
  return run.stdout.split('\n').flatMap((line) => {
    const match = /^::error title=([^:]*)::(.*)$/.exec(line);
    return match ? [{ title: decode(match[1]!), message: decode(match[2]!) }] : [];
  });
}

describe('dist/index.js with the runner contract', { concurrency: true }, () => {
  test('default inputs: the trace survives the hop, step passes, outputs and summary written', async () => {
    const run = await runDist();
    assertExitedCleanly(run);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(errorAnnotations(run), []);

    const { outputs } = run;
    assert.deepEqual(Object.keys(outputs).sort(), Object.keys(readActionYml().outputs).sort());
    assert.equal(outputs['same-trace'], 'true');
    assert.equal(outputs['parent-matches-traceparent'], 'true');
    assert.equal(outputs.verdict, 'pass');
    assert.equal(outputs['failed-checks'], '');
    assert.match(outputs['trace-id'] ?? '', TRACE_ID);
    const result = JSON.parse(outputs.result ?? '{}');
    assert.equal(result.same_trace, true);
    assert.equal(result.service_a_trace_id, result.service_b_trace_id);
    assert.equal(result.service_a_trace_id, outputs['trace-id']);
    assert.equal(result.traceparent_header, outputs.traceparent);
    assert.equal(result.parent_matches_traceparent, true);
    assert.equal(result.service_b_parent_span_id, result.traceparent_parent_span_id);
    assert.equal(result.traceparent_header.split('-')[2], result.traceparent_parent_span_id);

    // The bundle is really instrumented: http server and client spans and koa middleware spans
    // from each service, all in one trace, with B's server span the child of A's client span.
    const spans: {
      service: string;
      kind: string;
      name: string;
      span_id: string;
      parent_span_id: string | null;
      trace_id: string;
    }[] = result.spans;
    const find = (service: string, kind: string) =>
      spans.filter((s) => s.service === service && s.kind === kind);
    assert.equal(find('service-a', 'server').length, 1);
    assert.equal(find('service-b', 'server').length, 1);
    assert.equal(find('service-a', 'client').length, 1);
    for (const service of ['service-a', 'service-b']) {
      assert.ok(
        // Named after the middleware, whose name survives the minified bundle (no kept names).
        spans.some((s) => s.service === service && s.name === 'middleware - answerRoute'),
        `koa middleware span from ${service}`,
      );
    }
    assert.equal(new Set(spans.map((s) => s.trace_id)).size, 1);
    assert.equal(
      find('service-b', 'server')[0]?.parent_span_id,
      find('service-a', 'client')[0]?.span_id,
    );
    assert.equal(find('service-a', 'client')[0]?.span_id, result.traceparent_parent_span_id);

    assert.match(run.summary, /✅ Trace context propagated/);
    assert.match(run.summary, /```mermaid\nflowchart LR/);
    assert.match(run.summary, /<th>Check<\/th>/);
    assert.match(run.summary, /parent_matches_traceparent/);
    assert.match(run.stdout, /::group::Exported spans \(5\)/);
  });

  test('propagators: none is the negative control: the step fails and names the broken hop', async () => {
    const run = await runDist({ inputs: { propagators: 'none' } });
    assertExitedCleanly(run);
    assert.equal(run.code, 1);
    // One annotation, titled with the broken hop; the full failure line goes to the log.
    assert.deepEqual(errorAnnotations(run), [], run.stdout);
    const errors = titledErrors(run);
    assert.equal(errors.length, 1, run.stdout);
    assert.equal(errors[0]!.title, 'Broken hop 1: service-a → service-b');
    assert.match(
      errors[0]!.message,
      /service-b started a new trace; no traceparent header arrived: no trace-context propagator is configured/,
    );
    assert.match(errors[0]!.message, /same_trace: expected [0-9a-f]{32}, observed [0-9a-f]{32}/);
    assert.match(run.stdout, /^Trace context propagation failed\. service-a -> service-b/m);

    const { outputs } = run;
    assert.deepEqual(Object.keys(outputs).sort(), Object.keys(readActionYml().outputs).sort());
    assert.equal(outputs['same-trace'], 'false');
    assert.equal(outputs['parent-matches-traceparent'], 'false');
    assert.equal(outputs.verdict, 'fail');
    assert.equal(outputs.traceparent, '');
    assert.match(outputs['failed-checks'] ?? '', /same_trace/);
    assert.match(outputs['failed-checks'] ?? '', /single_root/);
    const result = JSON.parse(outputs.result ?? '{}');
    assert.notEqual(result.service_a_trace_id, result.service_b_trace_id);
    assert.equal(result.traceparent_header, null);
    assert.equal(result.service_b_parent_span_id, null);
    assert.equal(new Set(result.spans.map((s: { trace_id: string }) => s.trace_id)).size, 2);
    assert.match(run.summary, /❌ Trace context broken/);
    assert.match(run.summary, /context lost \(hop 1\)/);
  });

  test('baggage alone carries no trace context: the check fails', async () => {
    const run = await runDist({ inputs: { propagators: 'baggage' } });
    assertExitedCleanly(run);
    assert.equal(run.code, 1);
    assert.equal(run.outputs['same-trace'], 'false');
    assert.match(
      titledErrors(run)[0]?.message ?? '',
      /no traceparent header arrived: no trace-context propagator/,
    );
  });

  test('tracecontext alone passes, on the ports the inputs name', async () => {
    const [portA, portB] = await freePorts(2);
    const run = await runDist({
      inputs: { propagators: 'tracecontext', 'port-a': String(portA), 'port-b': String(portB) },
    });
    assertExitedCleanly(run);
    assert.equal(run.code, 0, run.stdout);
    const result = JSON.parse(run.outputs.result ?? '{}');
    assert.deepEqual(
      result.services.map((s: { port: number }) => s.port),
      [portA, portB],
    );
  });

  test('summary: false writes no job summary but still sets every output', async () => {
    const run = await runDist({ inputs: { summary: 'false' } });
    assertExitedCleanly(run);
    assert.equal(run.code, 0);
    assert.equal(run.summary, '');
    assert.equal(run.outputs.verdict, 'pass');
  });

  for (const [input, value, message] of [
    [
      'timeout',
      'abc',
      /^::error::Input 'timeout' must be a whole number from 1 to 600, got "abc"\.$/,
    ],
    [
      'propagators',
      'tracecontext,zipkin',
      /^::error::Input 'propagators' has unknown item "zipkin"; allowed: /,
    ],
    ['summary', 'yes', /^::error::Input 'summary' must be true or false, got "yes"\.$/],
    ['port-a', '70000', /^::error::Input 'port-a' must be a whole number from 0 to 65535/],
  ] as const) {
    test(`bad input ${input}=${value}: one line naming the input, failed step, nothing started`, async () => {
      const run = await runDist({ inputs: { [input]: value } });
      assertExitedCleanly(run);
      assert.equal(run.code, 1);
      const errors = errorAnnotations(run);
      assert.equal(errors.length, 1);
      assert.match(errors[0]!, message);
      assert.deepEqual(Object.keys(run.outputs).sort(), ['failed-checks', 'result', 'verdict']);
      assert.equal(run.outputs.verdict, 'error');
      assert.equal(
        JSON.parse(run.outputs.result ?? '{}').error,
        errors[0]!.slice('::error::'.length),
      );
      // A short summary still says why there is no verdict.
      assert.match(run.summary, /No verdict/);
      assert.ok(run.summary.includes(`Input &#39;${input}&#39;`), run.summary);
      assert.doesNotMatch(run.stdout, /service-a/);
    });
  }

  test('a port already in use is a clear error naming the input', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const run = await runDist({ inputs: { 'port-b': String(port) } });
      assertExitedCleanly(run);
      assert.equal(run.code, 1);
      assert.deepEqual(errorAnnotations(run), [
        `::error::Input 'port-b': port ${port} on 127.0.0.1 is already in use; choose another port, or 0 for a free one.`,
      ]);
    } finally {
      blocker.close();
    }
  });
});

describe('dist/index.js under its time bound', () => {
  test('a run far larger than its timeout ends on time, with one clear line and no stack', async () => {
    const run = await runDist({
      inputs: { timeout: '1', requests: '2000', concurrency: '50', hops: '16' },
      // A guard against hanging only: the message below proves the 1 s bound ended the run.
      killAfterMs: 90_000,
    });
    assertExitedCleanly(run);
    assert.equal(run.code, 1);
    assert.deepEqual(
      errorAnnotations(run).map((line) => line.replace(/to http:[^ ]+?\.$/, 'to URL.')),
      [
        "::error::Timed out after 1 s (input 'timeout') waiting for the answers to 2000 probe requests to URL.",
      ],
    );
    assert.equal(run.stderr.trim(), '');
    assert.equal(run.outputs.verdict, 'error');
  });
});

describe('dist/index.js in a terminal (outside the runner)', { concurrency: true }, () => {
  test('prints a readable report and exits 0 on pass', async () => {
    const run = await runDist({ runner: false });
    assertExitedCleanly(run);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^PASS: trace context propagated through service-a/m);
    assert.match(run.stdout, /"same_trace": true/);
    assert.doesNotMatch(run.stdout, /::(group|set-output|error)/);
  });

  test('exits 1 with the diagnosis on stderr on fail', async () => {
    const run = await runDist({ runner: false, inputs: { propagators: 'none' } });
    assertExitedCleanly(run);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^FAIL: trace context broken/m);
    assert.match(run.stderr, /^Error: Trace context propagation failed\. service-a -> service-b/m);
  });
});
