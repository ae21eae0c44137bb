import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

const REPO = join(import.meta.dirname, '..', '..');

interface Checker {
  allowedExpression(expression: string): boolean;
  checkLicenses(
    text: string,
    declared: (name: string) => string | undefined,
  ): { packages: { name: string; license: string }[]; problems: string[] };
  checkLockfile(lock: unknown): { checked: number; problems: string[] };
  installedLicense(name: string, root?: string): string | undefined;
}

async function load(): Promise<Checker> {
  // @ts-expect-error: a plain .mjs script, shared with `npm run check-licenses`
  return (await import('../../scripts/check-licenses.mjs')) as Checker;
}

/** A licenses.txt as ncc writes it: name, SPDX id, text; entries apart by a blank line. */
function licensesText(entries: [string, string][]): string {
  return entries
    .map(([name, id]) => `${name}\n${id}\nPermission is granted\n\nto anyone.`)
    .join('\n\n');
}

describe('scripts/check-licenses.mjs', () => {
  test('SPDX expressions: OR needs one allowed side, AND both; copyleft and unknown are refused', async () => {
    const { allowedExpression } = await load();
    for (const ok of [
      'MIT',
      'Apache-2.0',
      '(MIT OR CC0-1.0)',
      'MIT OR GPL-3.0',
      'ISC AND MIT',
      '0BSD',
    ]) {
      assert.equal(allowedExpression(ok), true, ok);
    }
    for (const bad of [
      'GPL-3.0',
      'LGPL-2.1',
      'AGPL-3.0-only',
      'MPL-2.0',
      'MIT AND GPL-2.0',
      'UNKNOWN',
      '',
      'SEE LICENSE IN x',
    ]) {
      assert.equal(allowedExpression(bad), false, bad);
    }
  });

  test('a bundled package with a copyleft, unknown or mismatched license fails the check', async () => {
    const { checkLicenses } = await load();
    const declared: Record<string, string> = {
      'left-pad': 'MIT',
      'gpl-thing': 'GPL-3.0',
      '@scope/unknown': '',
      liar: 'GPL-2.0',
    };
    const { packages, problems } = checkLicenses(
      licensesText([
        ['left-pad', 'MIT'],
        ['gpl-thing', 'GPL-3.0'],
        ['@scope/unknown', ''],
        ['liar', 'MIT'],
      ]),
      (name) => declared[name],
    );
    assert.deepEqual(
      packages.map((p) => p.name),
      ['left-pad', 'gpl-thing', '@scope/unknown', 'liar'],
    );
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(problems.join('\n'), /gpl-thing: license "GPL-3.0" is not on the allowlist/);
    assert.match(problems.join('\n'), /@scope\/unknown: license "" is not on the allowlist/);
    assert.match(problems.join('\n'), /liar: licenses.txt says MIT, its package.json says GPL-2.0/);
  });

  test('a production package of the lockfile with a copyleft license fails; dev packages do not count', async () => {
    const { checkLockfile } = await load();
    const { checked, problems } = checkLockfile({
      packages: {
        '': { license: 'MIT' },
        'node_modules/ok': { license: 'MIT' },
        'node_modules/lgpl': { license: 'LGPL-3.0' },
        'node_modules/none': {},
        'node_modules/dev-gpl': { license: 'GPL-3.0', dev: true },
      },
    });
    assert.equal(checked, 3);
    assert.deepEqual(problems, [
      'node_modules/lgpl: license "LGPL-3.0" is not on the allowlist',
      'node_modules/none: license "" is not on the allowlist',
    ]);
  });

  test('the committed dist/licenses.txt and package-lock.json pass', async () => {
    const { checkLicenses, checkLockfile, installedLicense } = await load();
    const text = readFileSync(join(REPO, 'dist', 'licenses.txt'), 'utf8');
    const bundled = checkLicenses(text, (name) => installedLicense(name, REPO));
    assert.deepEqual(bundled.problems, []);
    assert.ok(bundled.packages.some((p) => p.name === 'protobufjs'));
    const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as unknown;
    assert.deepEqual(checkLockfile(lock).problems, []);
  });
});
