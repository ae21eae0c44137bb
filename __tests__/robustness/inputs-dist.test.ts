// Issue 5, part 1, through dist/: the parser's table (inputs.test.ts) checks every hostile value
// in-process; these few runs of the shipped bundle prove the wiring, one per kind of failure. Each
// must end by itself with exit 1, one `::error::` line naming the input, the `error` verdict, no
// stack trace, only the no-verdict summary, and nothing left listening on the ports it was given. Two blank values
// show that "not set" reaches the parser as the default through the runner's INPUT_* variables.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freePorts } from '../target/harness';
import {
  assertEndedByItself,
  assertInputRefused,
  errorAnnotations,
  runGuarded,
  type DistRun,
} from './helpers/dist';
import { HOSTILE, valueOf, WITHOUT_TARGET_URL, type Env } from './helpers/hostile';
import { instrumentedTarget, portIsFree, refusedPort, type TinyTarget } from './helpers/targets';

/** One hostile value per kind of failure, by input and label in the shared table. */
const KINDS: [kind: string, input: string, label: string][] = [
  ['a number out of range', 'hops', 'above the range'],
  ['an unknown choice', 'client', 'an unknown value'],
  ['a list with an unknown item', 'propagators', 'an unknown item'],
  ['100 kB in one value', 'target-url', '100 kB'],
  ['a control character', 'target-headers', 'a control character in a value'],
  ['a conflict between two inputs', 'port-b', "a duplicate of port-a's"],
  ['a value only the run can refuse', 'receiver-host', 'an address this machine does not have'],
];

const env: Env = { refused: 0, free: 0 };
before(async () => {
  env.refused = await refusedPort();
  env.free = (await freePorts(1))[0]!;
});

describe(
  'a hostile value reaches dist/ and fails the step with one line',
  { concurrency: 4 },
  () => {
    for (const [kind, input, label] of KINDS) {
      const hostile = HOSTILE.find((h) => h.input === input && h.label === label);
      test(`${kind}: ${input} (${label})`, async () => {
        assert.ok(hostile, `${input}: ${label} is in the hostile table`);
        const inputs = { ...hostile.context?.(env), [input]: valueOf(hostile, env) };
        // Where the receiver would start, give it real ports, to see that none is left held.
        const held: number[] = [];
        if (inputs['receiver-http-port'] === '0') {
          held.push(...(await freePorts(2)));
          inputs['receiver-http-port'] = String(held[0]);
          inputs['receiver-grpc-port'] = String(held[1]);
        }
        const run = await runGuarded(inputs);
        assertInputRefused(run, [input, ...(hostile.alsoNames ?? [])]);
        for (const port of held) assert.ok(await portIsFree(port), `port ${port} is let go`);
      });
    }

    const [input, value] = WITHOUT_TARGET_URL[0]!;
    test(`a target-mode input without target-url: ${input} (${value})`, async () => {
      assertInputRefused(await runGuarded({ [input]: value }), [input]);
    });
  },
);

// ---------------------------------------------------------------------------------------------
// Blank values: "not set", so the default applies and the step passes.

const BLANK = '  \t \n  ';

function assertPassed(run: DistRun): { propagators: string[]; receiver: { http: string } } {
  assertEndedByItself(run);
  assert.equal(run.code, 0, `${run.stdout.slice(0, 3000)}\n${run.stderr.slice(0, 1000)}`);
  assert.deepEqual(errorAnnotations(run), []);
  assert.equal(run.outputs.verdict, 'pass');
  return JSON.parse(run.outputs.result ?? '{}') as ReturnType<typeof assertPassed>;
}

describe('a blank value reaches dist/ as the default', { concurrency: 2 }, () => {
  let target: TinyTarget | undefined;
  after(async () => {
    await target?.close();
  });

  test('self-test, propagators: blank is tracecontext,baggage', async () => {
    const result = assertPassed(await runGuarded({ propagators: BLANK }));
    assert.deepEqual(result.propagators, ['tracecontext', 'baggage']);
  });

  test('target mode, receiver-host: blank is 127.0.0.1', async () => {
    const [httpPort] = await freePorts(1);
    target = await instrumentedTarget(() => httpPort!);
    const run = await runGuarded({
      'target-url': target.url,
      'expect-services': 'synthetic',
      settle: '100',
      'receiver-host': BLANK,
      'receiver-http-port': String(httpPort),
      'receiver-grpc-port': '0',
      timeout: '15',
    });
    assert.equal(assertPassed(run).receiver.http, `http://127.0.0.1:${httpPort}`);
  });
});
