import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULTS, parseConfig, splitList, type InputName } from '../../src/config';
import { InputError } from '../../src/errors';

function parse(inputs: Partial<Record<InputName, string>>) {
  return parseConfig((name) => inputs[name] ?? '');
}

function rejects(inputs: Partial<Record<InputName, string>>, message: RegExp): void {
  assert.throws(
    () => parse(inputs),
    (error: unknown) => {
      assert.ok(error instanceof InputError, `InputError, got ${String(error)}`);
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /\n/, 'one line');
      return true;
    },
  );
}

describe('parseConfig', () => {
  test('unset inputs take the defaults (as outside the runner, where action.yml is not read)', () => {
    assert.deepEqual(parse({}), {
      propagators: ['tracecontext', 'baggage'],
      timeoutMs: 30_000,
      summary: true,
      ports: { a: 0, b: 0 },
    });
  });

  test('the defaults, given explicitly, parse to the same config', () => {
    assert.deepEqual(parse({ ...DEFAULTS }), parse({}));
  });

  describe('propagators', () => {
    test('comma and newline lists, trimmed, case-folded, empties dropped', () => {
      assert.deepEqual(parse({ propagators: ' baggage ,\n\nTraceContext,' }).propagators, [
        'baggage',
        'tracecontext',
      ]);
    });
    test('none means no propagator at all', () => {
      assert.deepEqual(parse({ propagators: 'none' }).propagators, []);
    });
    test('whitespace alone means unset', () => {
      assert.deepEqual(parse({ propagators: ' \n ' }).propagators, ['tracecontext', 'baggage']);
    });
    test('unknown item', () =>
      rejects(
        { propagators: 'tracecontext,xray' },
        /^Input 'propagators' has unknown item "xray"; allowed: tracecontext, baggage, none\.$/,
      ));
    test('duplicates', () =>
      rejects({ propagators: 'baggage,Baggage' }, /^Input 'propagators' lists "baggage" twice\.$/));
    test('none with others', () =>
      rejects({ propagators: 'none,tracecontext' }, /cannot combine 'none'/));
    test('only separators', () => rejects({ propagators: ',,' }, /^Input 'propagators' is empty/));
    test('a huge unknown item is cut short in the message', () => {
      assert.throws(
        () => parse({ propagators: 'x'.repeat(10_000) }),
        (error: Error) => error.message.length < 200,
      );
    });
  });

  describe('timeout', () => {
    test('whole seconds within 1..600', () => {
      assert.equal(parse({ timeout: '1' }).timeoutMs, 1000);
      assert.equal(parse({ timeout: '600' }).timeoutMs, 600_000);
    });
    for (const bad of [
      '0',
      '601',
      '-5',
      '1.5',
      'abc',
      '1e3',
      '30s',
      '٣٠',
      '99999999999999999999',
    ]) {
      test(`rejects ${JSON.stringify(bad)}`, () =>
        rejects({ timeout: bad }, /^Input 'timeout' must be a whole number from 1 to 600, got /));
    }
  });

  describe('summary', () => {
    for (const [raw, value] of [
      ['true', true],
      ['True', true],
      ['TRUE', true],
      ['false', false],
      ['False', false],
      ['FALSE', false],
    ] as const) {
      test(`${raw} -> ${value}`, () => assert.equal(parse({ summary: raw }).summary, value));
    }
    for (const bad of ['yes', '1', 'tru', 'fAlse']) {
      test(`rejects ${bad}`, () =>
        rejects({ summary: bad }, /^Input 'summary' must be true or false/));
    }
  });

  describe('ports', () => {
    test('explicit ports', () => {
      assert.deepEqual(parse({ 'port-a': '8080', 'port-b': '8081' }).ports, { a: 8080, b: 8081 });
    });
    test('both 0 is fine: two free ports', () => {
      assert.deepEqual(parse({ 'port-a': '0', 'port-b': '0' }).ports, { a: 0, b: 0 });
    });
    for (const bad of ['-1', '65536', 'http', '80.5']) {
      test(`rejects port-a=${bad}`, () =>
        rejects({ 'port-a': bad }, /^Input 'port-a' must be a whole number from 0 to 65535/));
    }
    test('the same non-zero port twice', () =>
      rejects({ 'port-a': '9000', 'port-b': '9000' }, /^Input 'port-b' must differ from 'port-a'/));
  });
});

describe('splitList', () => {
  test('commas, newlines, CRLF, blanks', () => {
    assert.deepEqual(splitList('a, b\r\nc,,\n d '), ['a', 'b', 'c', 'd']);
  });
});
