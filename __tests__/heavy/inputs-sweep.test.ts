// Heavy suite: the whole hostile-input table through dist/ with the runner contract (INPUT_*,
// GITHUB_OUTPUT, GITHUB_STEP_SUMMARY), one process per value (about 200 spawns). `npm test` checks
// the same table in-process against the parser (robustness/inputs.test.ts) and a handful through
// dist/ (robustness/inputs-dist.test.ts); this sweep proves every value end to end. Every hostile
// value must fail the step with exactly one `::error::` line naming the input, exit code 1, no
// stack trace, the `error` verdict output and only the no-verdict summary. An empty or whitespace-only value is
// "not set" and takes the default: the step passes. How fast a value is refused is not judged
// (load makes that a coin toss); a run that never ends is killed by the hang guard and fails.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertEndedByItself,
  assertInputRefused,
  errorAnnotations,
  runGuarded,
  type DistRun,
} from '../robustness/helpers/dist';
import { HOSTILE, valueOf, WITHOUT_TARGET_URL, type Env } from '../robustness/helpers/hostile';
import {
  instrumentedTarget,
  portIsFree,
  refusedPort,
  type TinyTarget,
} from '../robustness/helpers/targets';
import { freePorts } from '../target/harness';

function shown(value: string): string {
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 30)}…(${value.length} chars)` : text;
}

const env: Env = { refused: 0, free: 0 };
before(async () => {
  env.refused = await refusedPort();
  env.free = (await freePorts(1))[0]!;
});

describe('a hostile input value fails the step with one line naming it', { concurrency: 8 }, () => {
  for (const hostile of HOSTILE) {
    const name = `${hostile.input}: ${hostile.label} (${shown(hostile.value)})`;
    test(name, hostile.todo ? { todo: hostile.todo } : {}, async (t) => {
      const inputs = { ...hostile.context?.(env), [hostile.input]: valueOf(hostile, env) };
      const run = await runGuarded(inputs);
      const message = assertInputRefused(run, [hostile.input, ...(hostile.alsoNames ?? [])]);
      t.diagnostic(`${run.elapsedMs} ms: ${message.slice(0, 160)}`);
    });
  }
});

describe('a hostile target-mode input without target-url', { concurrency: 4 }, () => {
  for (const [input, value] of WITHOUT_TARGET_URL) {
    test(`${input}: ${shown(value)}`, async () => {
      assertInputRefused(await runGuarded({ [input]: value }), [input]);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Empty and whitespace-only values: "not set", so the default applies and the step passes.

const BLANK = '  \t \n  ';

interface Result {
  mode?: string;
  verdict: string;
  expected_verdict: string;
  propagators: string[];
  client: string;
  fault: unknown;
  services: { port: number }[];
  requests: { total: number; concurrency: number };
  target: { url: string; method: string };
  expect_services: string[];
  receiver: { http: string; grpc: string | null };
}

function assertPassed(run: DistRun): Result {
  assertEndedByItself(run);
  assert.equal(run.code, 0, `${run.stdout.slice(0, 3000)}\n${run.stderr.slice(0, 1000)}`);
  assert.deepEqual(errorAnnotations(run), []);
  assert.equal(run.outputs.verdict, 'pass');
  return JSON.parse(run.outputs.result ?? '{}') as Result;
}

/** What each default looks like in the result, where the result shows it. */
const SELF_TEST_DEFAULTS: Record<string, (result: Result, run: DistRun) => void> = {
  propagators: (r) => assert.deepEqual(r.propagators, ['tracecontext', 'baggage']),
  hops: (r) => assert.equal(r.services.length, 2),
  client: (r) => assert.equal(r.client, 'got'),
  requests: (r) => assert.equal(r.requests.total, 1),
  concurrency: (r) => assert.equal(r.requests.concurrency, 1),
  'incoming-context': () => {},
  tracestate: () => {},
  fault: (r) => assert.equal(r.fault, null),
  'fault-hop': (r) => assert.equal(r.fault, null),
  expect: (r) => assert.equal(r.expected_verdict, 'pass'),
  timeout: () => {},
  summary: (_r, run) => assert.match(run.summary, /Trace context propagated/),
  'port-a': (r) => assert.ok(r.services[0]!.port > 0),
  'port-b': (r) => assert.ok(r.services[1]!.port > 0),
  // Blank target-url: no target mode, the self-test runs.
  'target-url': (r) => assert.notEqual(r.mode, 'target'),
};

describe('an empty or whitespace-only value takes the default', { concurrency: 8 }, () => {
  for (const [input, observe] of Object.entries(SELF_TEST_DEFAULTS)) {
    for (const value of input === 'propagators' ? ['', BLANK] : [BLANK]) {
      test(`${input}: ${JSON.stringify(value)}`, async () => {
        const run = await runGuarded({ [input]: value });
        observe(assertPassed(run), run);
      });
    }
  }

  // Target mode, against a tiny instrumented target that exports its server span at once.
  const targets: TinyTarget[] = [];
  after(async () => {
    await Promise.all(targets.map((target) => target.close()));
  });

  /** Runs target mode, passing, with `input` blank (its default then applies). */
  async function blankInTargetMode(input: string): Promise<Result> {
    const [free] = await freePorts(1);
    const httpPort = input === 'receiver-http-port' ? 4318 : free!;
    const target = await instrumentedTarget(() => httpPort);
    targets.push(target);
    const inputs: Record<string, string> = {
      'target-url': target.url,
      'expect-services': 'synthetic',
      settle: '100',
      'receiver-http-port': String(httpPort),
      'receiver-grpc-port': '0',
      timeout: '15',
      [input]: BLANK,
    };
    const run = await runGuarded(inputs);
    const result = assertPassed(run);
    assert.equal(result.mode, 'target');
    return result;
  }

  test('target-method: blank is GET', async () => {
    assert.equal((await blankInTargetMode('target-method')).target.method, 'GET');
  });
  for (const input of ['target-headers', 'target-body', 'wait-for', 'settle']) {
    test(`${input}: blank is not set`, async () => {
      await blankInTargetMode(input);
    });
  }
  test('expect-services: blank waits for the default quiet period, then passes', async () => {
    assert.deepEqual((await blankInTargetMode('expect-services')).expect_services, []);
  });
  test('receiver-host: blank is 127.0.0.1', async () => {
    assert.match(
      (await blankInTargetMode('receiver-host')).receiver.http,
      /^http:\/\/127\.0\.0\.1:/,
    );
  });
  test('receiver-http-port: blank is 4318', async (t) => {
    if (!(await portIsFree(4318))) return t.skip('port 4318 is taken on this machine');
    const result = await blankInTargetMode('receiver-http-port');
    assert.equal(result.receiver.http, 'http://127.0.0.1:4318');
  });
  test('receiver-grpc-port: blank is 4317', async (t) => {
    if (!(await portIsFree(4317))) return t.skip('port 4317 is taken on this machine');
    const result = await blankInTargetMode('receiver-grpc-port');
    assert.equal(result.receiver.grpc, 'http://127.0.0.1:4317');
  });
});
