import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULTS } from '../../src/config';
import { REPO, readActionYml } from '../helpers/action-yml';

describe('action.yml, config and README agree', () => {
  const action = readActionYml();

  test('runs on node24 from the committed bundle', () => {
    assert.deepEqual(action.runs, { using: 'node24', main: 'dist/index.js' });
  });

  test('every input has the default the config applies outside the runner', () => {
    const fromYml = Object.fromEntries(
      Object.entries(action.inputs).map(([name, input]) => [name, String(input.default)]),
    );
    assert.deepEqual(fromYml, { ...DEFAULTS });
    for (const [name, input] of Object.entries(action.inputs)) {
      assert.ok(input.description.trim().length > 0, `${name} has a description`);
      assert.notEqual(input.required, true, `${name} is optional`);
    }
  });

  test('the README tables are the ones generated from action.yml', async () => {
    // @ts-expect-error: a plain .mjs script, shared with `npm run readme:tables`
    const { withTables } = await import('../../scripts/readme-tables.mjs');
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const actionText = readFileSync(join(REPO, 'action.yml'), 'utf8');
    assert.equal(readme, withTables(readme, actionText), 'run `npm run readme:tables`');
  });

  test('the README quick start is two commands, and its test command is the one CI runs', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const quickStart = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = quickStart
      .trim()
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, ''));
    assert.deepEqual(commands, ['npx -y node@24 dist/index.js', 'npm ci && npm test']);
    assert.match(readFileSync(join(REPO, '.ci', 'run'), 'utf8'), /^npm ci && npm test$/m);
  });

  test('one copy of @opentelemetry/api in the tree: two give no-op spans with all-zero ids', () => {
    const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string }>;
    };
    const copies = Object.keys(lock.packages).filter((path) =>
      path.endsWith('node_modules/@opentelemetry/api'),
    );
    assert.deepEqual(copies, ['node_modules/@opentelemetry/api']);
  });

  test('one copy of @opentelemetry/api in dist/, whichever build of it the bundle takes', () => {
    // The bundle takes the API's ES module build through a stand-in (tsconfig paths) while
    // packages in node_modules require its CommonJS build: should both end up bundled, spans
    // would still work (they share a global) but every load would pay for the API twice.
    const marker = 'Attempted duplicate registration of API';
    const copies = readdirSync(join(REPO, 'dist'))
      .filter((name) => name.endsWith('.js'))
      .map((name) => readFileSync(join(REPO, 'dist', name), 'utf8').split(marker).length - 1)
      .reduce((sum, count) => sum + count, 0);
    assert.equal(copies, 1);
  });
});
