import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseArgs, USAGE, wantsJson } from '../../src/cli-args';
import { DEFAULTS, LIMITS, FAULT_NAMES, type InputName } from '../../src/config';
import { InputError } from '../../src/errors';

describe('parseArgs', () => {
  test('--name value, --name=value, repeated flags become lines, --json', () => {
    assert.deepEqual(
      parseArgs([
        '--hops',
        '3',
        '--propagators=b3',
        '--expect-services',
        'a',
        '--expect-services',
        'b',
        '--json',
        '--verbose',
      ]),
      {
        json: true,
        verbose: true,
        help: false,
        version: false,
        inputs: { hops: '3', propagators: 'b3', 'expect-services': 'a\nb' },
      },
    );
  });
  for (const [argv, message] of [
    [['--hop', '3'], /^Unknown flag "--hop"; run with --help/],
    [['--hops'], /^Flag --hops needs a value\.$/],
    [['hops'], /^Unexpected argument "hops"/],
  ] as const) {
    test(`rejects ${argv.join(' ')}`, () => {
      assert.throws(
        () => parseArgs(argv),
        (error: unknown) => error instanceof InputError && message.test(error.message),
      );
    });
  }
});

describe('--help and --version', () => {
  test('--version and -V are flags, not inputs', () => {
    assert.equal(parseArgs(['--version']).version, true);
    assert.equal(parseArgs(['-V']).version, true);
  });

  test('--help lists every input flag with its allowed values and its default', () => {
    for (const name of Object.keys(DEFAULTS) as InputName[]) {
      const line = USAGE.split('\n').find((l) => l.startsWith(`  --${name} `));
      assert.ok(line, `no help line for --${name}`);
      const fallback = DEFAULTS[name];
      if (fallback !== '') assert.ok(line.endsWith(`(default: ${fallback})`), line);
    }
    const line = (name: string): string =>
      USAGE.split('\n').find((l) => l.startsWith(`  --${name} `)) ?? '';
    assert.match(line('hops'), new RegExp(`${LIMITS.hops.min} to ${LIMITS.hops.max}`));
    assert.match(line('fault'), new RegExp(FAULT_NAMES.join(' \\| ')));
    assert.match(line('summary'), /true \| false/);
    assert.match(line('junit-file'), /a file path \(empty: none\)/);
  });

  test('--json is seen even on a command line that does not parse', () => {
    assert.equal(wantsJson(['--hop', '3', '--json']), true);
    assert.equal(wantsJson(['--hops', '3']), false);
  });
});
