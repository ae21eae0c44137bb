import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULTS } from '../../src/config';
import { runDist } from '../helpers/run-dist';

const PACKAGE_VERSION = (
  JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

describe('dist/cli.js: flags, --json errors, --version, --help', { concurrency: true }, () => {
  for (const [label, cli, message] of [
    ['an unknown flag', ['--hop', '3', '--json'], /^Unknown flag "--hop"/],
    ['a flag without its value', ['--json', '--hops'], /^Flag --hops needs a value\.$/],
    ['an unusable input', ['--json', '--hops', '1'], /^Input 'hops' must be a whole number/],
    ['a stray argument', ['--json', 'hops'], /^Unexpected argument "hops"/],
  ] as const) {
    test(`--json prints {"verdict":"error"} for ${label}, exit 2`, async () => {
      const run = await runDist({ cli: [...cli], killAfterMs: 20_000 });
      assert.equal(run.code, 2, run.stderr);
      const printed = JSON.parse(run.stdout) as { verdict: string; error: string };
      assert.equal(printed.verdict, 'error');
      assert.match(printed.error, message);
      assert.deepEqual(Object.keys(printed).sort(), ['error', 'verdict']);
      assert.match(run.stderr, /^Error: /);
      assert.doesNotMatch(run.stdout + run.stderr, /^\s+at /m, 'no stack trace');
    });
  }

  test('without --json an unusable flag prints one line on stderr and nothing on stdout', async () => {
    const run = await runDist({ cli: ['--hop', '3'], killAfterMs: 20_000 });
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^Error: Unknown flag "--hop"; run with --help for the list\.\n$/);
  });

  test('--version prints the package version baked into the bundle', async () => {
    const run = await runDist({ cli: ['--version'], killAfterMs: 20_000 });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `${PACKAGE_VERSION}\n`);
  });

  test('--help lists every input flag with allowed values and default', async () => {
    const run = await runDist({ cli: ['--help'], killAfterMs: 20_000 });
    assert.equal(run.code, 0, run.stderr);
    for (const [name, fallback] of Object.entries(DEFAULTS)) {
      const line = run.stdout.split('\n').find((l) => l.startsWith(`  --${name} `));
      assert.ok(line, `--help lacks --${name}`);
      if (fallback !== '') assert.ok(line.endsWith(`(default: ${fallback})`), line);
    }
    assert.match(run.stdout, /--client +got \| http \| fetch +\(default: got\)/);
    assert.match(run.stdout, /--version/);
  });
});
