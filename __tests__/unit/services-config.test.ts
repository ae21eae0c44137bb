import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { describe, test } from 'node:test';
import { effectiveExportDelayDefault } from '../../src/config/services';
import { parse, rejects } from '../helpers/config-inputs';

const TARGET = { 'target-url': 'http://127.0.0.1:8080/' };

describe('services, setup, teardown, working-directory', () => {
  test('name: command lines, in order; the names fill expect-services', () => {
    const target = parse({
      ...TARGET,
      services:
        '# the chain\ncheckout: node checkout.js --port 8080\n\npayments: PORT=9 python -m pay',
      'working-directory': tmpdir(),
    }).target!;
    assert.deepEqual(target.launch?.services, [
      { name: 'checkout', command: 'node checkout.js --port 8080' },
      { name: 'payments', command: 'PORT=9 python -m pay' },
    ]);
    assert.equal(target.launch?.workingDirectory, tmpdir());
    assert.deepEqual(target.expectServices, ['checkout', 'payments']);
  });

  test('expect-services, when given, wins over the names', () => {
    const target = parse({ ...TARGET, services: 'a: x\nb: y', 'expect-services': 'b' }).target!;
    assert.deepEqual(target.expectServices, ['b']);
  });

  test('setup or teardown alone is a launch; none of them is none', () => {
    const target = parse({ ...TARGET, setup: 'docker compose up -d --wait' }).target!;
    assert.deepEqual(target.launch?.services, []);
    assert.equal(target.launch?.setup, 'docker compose up -d --wait');
    assert.equal(target.launch?.workingDirectory, process.cwd(), 'default: the workspace');
    assert.equal(parse(TARGET).target!.launch, undefined);
  });

  test('bad lines are refused with one line naming the input', () => {
    rejects(
      { ...TARGET, services: 'node server.js' },
      /^Input 'services' must be lines of 'name: command'/,
    );
    rejects({ ...TARGET, services: 'a:' }, /^Input 'services' must be lines of 'name: command'/);
    rejects({ ...TARGET, services: 'a: x\na: y' }, /^Input 'services' names "a" twice\.$/);
    rejects({ ...TARGET, services: 'my service: x' }, /^Input 'services': a name must be letters/);
    rejects({ ...TARGET, services: 'a: x\u0007' }, /control characters/);
    rejects({ ...TARGET, setup: 'make\u0000' }, /^Input 'setup' must be a shell command/);
  });

  test('working-directory must exist, and goes with something to run', () => {
    rejects(
      { ...TARGET, services: 'a: x', 'working-directory': '/no/such/folder' },
      /^Input 'working-directory' must be an existing directory, got "\/no\/such\/folder"/,
    );
    rejects(
      { ...TARGET, 'working-directory': tmpdir() },
      /^Input 'working-directory' needs 'services', 'setup' or 'teardown'/,
    );
  });

  test('they apply to target mode only', () => {
    for (const name of ['services', 'setup', 'teardown'] as const) {
      rejects({ [name]: 'a: x' }, new RegExp(`^Input '${name}' needs 'target-url'`));
    }
  });

  test('export-delay defaults lower when the action starts the services', () => {
    assert.equal(effectiveExportDelayDefault([{ name: 'a', command: 'x' }]), 1000);
    assert.equal(effectiveExportDelayDefault([]), 5000);
  });
});
