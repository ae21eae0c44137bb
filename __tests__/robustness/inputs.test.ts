// Issue 5, part 1, in-process: every hostile value of every input goes to the config parser the
// action uses, which must refuse it with an InputError whose one short line names the input. An
// empty or whitespace-only value is "not set" (the runner cannot tell an explicit '' from an unset
// input) and parses exactly as the default does. That dist/ wires the parser in front of
// everything else is proved by inputs-dist.test.ts, one value per kind of failure; the whole table
// also runs through dist/ in the heavy suite (__tests__/heavy/inputs-sweep.test.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULTS, parseConfig, type Config, type InputName } from '../../src/config';
import { InputError } from '../../src/errors';
import { readActionYml } from '../helpers/action-yml';
import { HOSTILE, valueOf, WITHOUT_TARGET_URL, type Env } from './helpers/hostile';

/** Ports are only numbers to the parser: nothing is bound here. */
const ENV: Env = { refused: 9, free: 40_123 };

/**
 * Parses inputs as the action does: each value as the runner passes it (`INPUT_<NAME>`) and as
 * @actions/core's getInput returns it, trimmed. (The toolkit is ESM-only: the bundle loads it,
 * these CommonJS tests cannot; the reading itself is proved through dist/ in inputs-dist.test.ts.)
 */
function parse(inputs: Record<string, string>): Config {
  return parseConfig((name) => (inputs[name] ?? '').trim());
}

function shown(value: string): string {
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 30)}…(${value.length} chars)` : text;
}

test('the hostile table covers every input in action.yml', () => {
  const inputs = Object.keys(readActionYml().inputs).sort();
  assert.deepEqual([...new Set(HOSTILE.map((h) => h.input))].sort(), inputs);
});

/** Asserts that parsing `inputs` throws one short InputError line naming one of `names`. */
function assertRefused(inputs: Record<string, string>, names: readonly string[]): void {
  assert.throws(
    () => parse(inputs),
    (error: unknown) => {
      assert.ok(error instanceof InputError, `an InputError, got ${String(error)}`);
      const { message } = error;
      assert.ok(
        names.some((input) => message.startsWith(`Input '${input}'`)),
        `the line names ${names.join(' or ')}: ${message}`,
      );
      assert.doesNotMatch(message, /[\r\n]/, 'one line');
      assert.ok(message.length < 400, `one short line, got ${message.length} chars`);
      return true;
    },
  );
}

describe('a hostile input value is refused with one line naming it', () => {
  for (const hostile of HOSTILE) {
    const name = `${hostile.input}: ${hostile.label} (${shown(hostile.value)})`;
    test(name, hostile.todo ? { todo: hostile.todo } : {}, () => {
      const inputs = { ...hostile.context?.(ENV), [hostile.input]: valueOf(hostile, ENV) };
      // The parser cannot know this machine's addresses: dist/ refuses it (inputs-dist.test.ts).
      if (hostile.refusedByRun) assert.doesNotThrow(() => parse(inputs));
      else assertRefused(inputs, [hostile.input, ...(hostile.alsoNames ?? [])]);
    });
  }
});

describe('a hostile target-mode input without target-url', () => {
  for (const [input, value] of WITHOUT_TARGET_URL) {
    test(`${input}: ${shown(value)}`, () => assertRefused({ [input]: value }, [input]));
  }
});

// ---------------------------------------------------------------------------------------------
// Empty and whitespace-only values: "not set", so the default applies.

const BLANK = '  \t \n  ';
const TARGET = { 'target-url': 'http://127.0.0.1:9/' };

/** The other inputs an input needs to be read at all: its blank must still mean the default. */
const CONTEXT: Partial<Record<InputName, Record<string, string>>> = {
  concurrency: { requests: '5' },
  tracestate: { 'incoming-context': 'sampled' },
  'fault-hop': { fault: 'strip-header', hops: '3' },
  'target-method': TARGET,
  'target-headers': TARGET,
  'target-body': TARGET,
  'expect-services': TARGET,
  settle: TARGET,
  'wait-for': TARGET,
  'receiver-host': TARGET,
  'receiver-http-port': TARGET,
  'receiver-grpc-port': TARGET,
};

describe('an empty or whitespace-only value parses as the default', () => {
  for (const input of Object.keys(DEFAULTS) as InputName[]) {
    const context = CONTEXT[input] ?? {};
    for (const value of ['', BLANK]) {
      test(`${input}: ${JSON.stringify(value)}`, () => {
        const unset = parse(context);
        assert.deepEqual(parse({ ...context, [input]: value }), unset);
        assert.deepEqual(parse({ ...context, [input]: DEFAULTS[input] }), unset);
      });
    }
  }

  test('what the defaults are, where a blank would show', () => {
    const selfTest = parse({ propagators: BLANK, hops: BLANK, client: BLANK, requests: BLANK });
    assert.deepEqual(selfTest.propagators, ['tracecontext', 'baggage']);
    assert.equal(selfTest.services, 2);
    assert.equal(selfTest.client, 'got');
    assert.equal(selfTest.requests, 1);
    assert.equal(parse({ 'target-url': BLANK }).target, undefined, 'blank target-url: self-test');
    const blanks = Object.fromEntries(
      ['target-method', 'expect-services', 'receiver-host', 'receiver-http-port'].map((name) => [
        name,
        BLANK,
      ]),
    );
    const target = parse({ ...TARGET, ...blanks, 'receiver-grpc-port': BLANK }).target;
    assert.equal(target?.method, 'GET');
    assert.deepEqual(target?.expectServices, []);
    assert.deepEqual(target?.receiver, {
      host: '127.0.0.1',
      httpPort: 4318,
      grpcPort: 4317,
      maxSpans: 200_000,
    });
  });
});
