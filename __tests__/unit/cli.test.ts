import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseArgs } from '../../src/cli-args';
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
