import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { distFolder } from '../helpers/run-dist';
import { freePorts } from './harness';
import {
  assertNothingLeft,
  chain,
  eventually,
  listening,
  newTag,
  printedGroups,
  runServices,
  serviceInputs,
  serviceLine,
  taggedProcesses,
} from './services-harness';

interface Result {
  verdict: string;
  expect_services: string[];
  services_seen: string[];
  diagnoses: string[];
  edges: { from: string; to: string; broken: boolean }[];
  receiver: { http: string };
}

const ABC = ['service-a', 'service-b', 'service-c'];

describe('target mode starts the services itself (input services)', () => {
  test('a healthy three-service chain passes, with no OTEL_* variable set by the test', async () => {
    const tag = newTag();
    const ports = await freePorts(3);
    const inputs = serviceInputs(chain(ABC, ports), tag);
    // runDist passes the action only PATH, HOME and the runner's files: every OTEL_* variable the
    // services see comes from the action.
    assert.doesNotMatch(JSON.stringify(inputs), /OTEL_/);
    const run = await runServices(inputs);
    assert.equal(run.code, 0, run.stdout.slice(-3000));
    const result = JSON.parse(run.outputs.result ?? 'null') as Result;
    assert.equal(result.verdict, 'pass');
    assert.deepEqual(result.expect_services, ABC, 'the names fill expect-services');
    assert.deepEqual([...result.services_seen].sort(), ABC);
    // receiver-http-port 0: the services were given the port the receiver really bound.
    assert.match(run.stdout, new RegExp(`service-a exporting to ${result.receiver.http}`));
    // Each service's output in its own group, every line prefixed, fenced with stop-commands.
    for (const name of ABC) {
      assert.match(run.stdout, new RegExp(`::group::service ${name} \\(pid \\d+\\): stopped`));
    }
    assert.match(run.stdout, /::stop-commands::propagation-check-[0-9a-f-]{36}\n {2}\| /);
    const groups = printedGroups(run.stdout);
    assert.equal(groups.size, 3);
    await assertNothingLeft(tag, ports, groups.values());
  });

  test('a chain with one uninstrumented client fails, naming that edge', async () => {
    const tag = newTag();
    const ports = await freePorts(3);
    const services = chain(ABC, ports);
    services[1]!.vars = 'CLIENT=fetch'; // global fetch, no undici instrumentation
    const run = await runServices(serviceInputs(services, tag));
    assert.equal(run.code, 1);
    const result = JSON.parse(run.outputs.result ?? 'null') as Result;
    assert.equal(result.verdict, 'fail');
    const broken = result.edges.filter((edge) => edge.broken).map((e) => `${e.from}->${e.to}`);
    assert.deepEqual(broken, ['service-b->service-c']);
    assert.match(result.diagnoses.join('\n'), /service-b -> service-c/);
    // The services of the broken edge have their last lines in the summary.
    assert.match(run.summary, /Output of the processes that broke or died/);
    assert.match(run.summary, /service service-c \(pid \d+\)/);
    assert.doesNotMatch(run.summary, /service service-a \(pid \d+\)/);
    await assertNothingLeft(tag, ports, printedGroups(run.stdout).values());
  });

  test('a started service that exports nothing fails, named: the names are expected', async () => {
    const tag = newTag();
    const ports = await freePorts(2);
    const services = chain(['front', 'silent'], ports);
    // The command's own assignment wins over the action's: this service exports nothing.
    services[1]!.vars = 'OTEL_TRACES_EXPORTER=none';
    const run = await runServices(serviceInputs(services, tag, { timeout: '6' }));
    assert.equal(run.code, 1);
    const result = JSON.parse(run.outputs.result ?? 'null') as Result & { failed_checks: string[] };
    assert.equal(result.verdict, 'fail');
    assert.deepEqual(result.expect_services, ['front', 'silent']);
    assert.ok(
      result.failed_checks.includes('expected_services_present'),
      result.failed_checks.join(),
    );
    assert.match(result.diagnoses.join('\n'), /silent/);
    await assertNothingLeft(tag, ports, printedGroups(run.stdout).values());
  });

  test('a service that crashes at start gives error naming it, its exit code and last output', async () => {
    const tag = newTag();
    const ports = await freePorts(2);
    const crash = [
      `exec node -e "`,
      `console.log('booting ${tag} out=' + (process.env.GITHUB_OUTPUT || 'withheld'));`,
      `console.log('::error::forged <b>bold</b>');`,
      `console.error('fatal: cannot reach the database'); process.exit(3)"`,
    ].join('');
    const services = `${serviceLine({ name: 'healthy', port: ports[1]! }, tag)}\npayments: ${crash}`;
    const run = await runServices({
      ...serviceInputs([{ name: 'healthy', port: ports[1]! }], tag),
      'target-url': `http://127.0.0.1:${ports[0]}/payments`,
      services,
    });
    assert.equal(run.code, 1);
    assert.equal(run.outputs.verdict, 'error');
    const annotation = run.stdout.split('\n').find((l) => l.startsWith('::error::')) ?? '';
    assert.match(
      annotation,
      /Service 'payments' \(input 'services'\) exited with code 3 before the probes/,
    );
    assert.match(annotation, /cannot reach the database/);
    // The step's own output file is not handed to the services: none can forge the verdict.
    assert.match(run.stdout, /booting chain-[0-9a-f-]+ out=withheld/);
    // Its output is never a workflow command, in the log or the summary.
    assert.doesNotMatch(run.stdout, /^::error::forged/m);
    assert.match(run.stdout, /^ {2}\| ::error::forged/m);
    assert.match(run.summary, /cannot reach the database/);
    assert.match(run.summary, /forged &lt;b&gt;bold&lt;\/b&gt;/);
    assert.doesNotMatch(run.summary, /<b>bold/);
    await assertNothingLeft(tag, ports, printedGroups(run.stdout).values());
  });

  test('a service that ignores SIGTERM is killed after the 5 s grace', async () => {
    const tag = newTag();
    const ports = await freePorts(2);
    const services = chain(['front', 'stubborn'], ports);
    services[1]!.vars = 'IGNORE_SIGTERM=1';
    const started = Date.now();
    const run = await runServices(serviceInputs(services, tag));
    assert.equal(run.code, 0, run.stdout.slice(-3000));
    assert.ok(Date.now() - started >= 5000, 'the grace was given in full');
    assert.match(
      run.stdout,
      /service stubborn \(pid \d+\): ignored SIGTERM for 5 s and was killed/,
    );
    assert.match(run.stdout, /\| SIGTERM ignored/);
    assert.match(run.stdout, /service front \(pid \d+\): stopped by the action/);
    await assertNothingLeft(tag, ports, printedGroups(run.stdout).values());
  });

  test('setup and teardown run with the OTEL variables; teardown runs after a failing setup', async () => {
    const work = mkdtempSync(join(tmpdir(), 'propagation-check-setup-'));
    const tag = newTag();
    const ports = await freePorts(2);
    const services = chain(['front', 'back'], ports);
    const ok = await runServices(
      serviceInputs(services, tag, {
        setup: `echo "setup $OTEL_EXPORTER_OTLP_ENDPOINT $OTEL_BSP_SCHEDULE_DELAY \${OTEL_SERVICE_NAME:-none}" > ${work}/setup`,
        teardown: `echo "teardown" > ${work}/teardown`,
      }),
    );
    assert.equal(ok.code, 0, ok.stdout.slice(-3000));
    assert.match(
      readFileSync(join(work, 'setup'), 'utf8'),
      /^setup http:\/\/127\.0\.0\.1:\d+ 100 none\n$/,
    );
    assert.equal(readFileSync(join(work, 'teardown'), 'utf8'), 'teardown\n');
    assert.match(ok.stdout, /::group::setup: exited with code 0/);
    assert.match(ok.stdout, /::group::teardown: exited with code 0/);
    await assertNothingLeft(tag, ports, printedGroups(ok.stdout).values());

    const failed = await runServices(
      serviceInputs(services, tag, {
        setup: `echo "pulling images"; echo "no such image" >&2; exit 7`,
        teardown: `echo "teardown after failure" > ${work}/teardown-2; exit 5`,
      }),
    );
    assert.equal(failed.code, 1);
    assert.equal(failed.outputs.verdict, 'error');
    assert.match(
      failed.stdout,
      /::error::The setup command \(input 'setup'\) exited with code 7: echo "pulling images"; .*no such image/,
    );
    assert.equal(readFileSync(join(work, 'teardown-2'), 'utf8'), 'teardown after failure\n');
    assert.match(
      failed.stdout,
      /::warning::The teardown command \(input 'teardown'\) exited with code 5: echo "teardown after failure"/,
    );
    assert.match(failed.summary, /setup&#58; exited with code 7/);
    // The services never started.
    assert.equal(printedGroups(failed.stdout).size, 0);
  });

  test('services that never get ready: error at the timeout, with their output, none left', async () => {
    const tag = newTag();
    const ports = await freePorts(2);
    const [never] = await freePorts(1);
    const run = await runServices(
      serviceInputs(chain(['front', 'back'], ports), tag, {
        'wait-for': `http://127.0.0.1:${never}/health`,
        timeout: '3',
      }),
    );
    assert.equal(run.code, 1);
    assert.equal(run.outputs.verdict, 'error');
    assert.match(
      run.stdout,
      /::error::Timed out \(input 'timeout'\) waiting for http:\/\/127\.0\.0\.1:\d+\/health .* were still running/,
    );
    assert.match(run.summary, /service front \(pid \d+\)/);
    assert.match(run.summary, /service back \(pid \d+\)/);
    await assertNothingLeft(tag, ports, printedGroups(run.stdout).values());
  });

  test('a bad services line: one line naming the input, nothing started', async () => {
    const tag = newTag();
    const run = await runServices({
      ...serviceInputs([{ name: 'a', port: 1 }], tag),
      services: `a: sleep 30 # ${tag}\na: sleep 30 # ${tag}`,
    });
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^::error::Input 'services' names "a" twice\.$/m);
    assert.doesNotMatch(run.stdout + run.stderr, /\n\s+at /, 'no stack trace');
    assert.deepEqual(taggedProcesses(tag), []);
  });

  test('SIGINT (a cancelled job) stops every service before the action ends', async () => {
    const tag = newTag();
    const ports = await freePorts(3);
    const [never] = await freePorts(1);
    const inputs = serviceInputs(chain(['front', 'back'], ports), tag, {
      // Never answers: the action waits for readiness until it is cancelled.
      'wait-for': `http://127.0.0.1:${never}/`,
    });
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
    for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
    const action = spawn(process.execPath, [join(distFolder(), 'dist', 'index.js')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    action.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const ended = new Promise<number | null>((resolve) =>
      action.on('close', (code) => resolve(code)),
    );
    const killer = setTimeout(() => action.kill('SIGKILL'), 30_000);
    try {
      const up = await eventually(
        async () => (await listening(ports[0]!)) && (await listening(ports[1]!)),
        15_000,
      );
      assert.ok(up, 'the services came up');
      assert.equal(taggedProcesses(tag).length, 2);
      action.kill('SIGINT');
      // The adapter reports the cancelled run (verdict error) and fails the step.
      assert.equal(await ended, 1, 'the action ends by itself, failing the step');
    } finally {
      clearTimeout(killer);
    }
    assert.match(stdout, /service front \(pid \d+\): stopped by the action/);
    await assertNothingLeft(tag, ports, printedGroups(stdout).values());
  });
});
