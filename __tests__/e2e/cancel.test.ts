import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runDist, type DistRun } from '../helpers/run-dist';
import { freePorts } from '../target/harness';

/** Bound on each wait of these tests; a loaded machine is slow, never this slow. */
const WAIT_MS = 30_000;
/**
 * The action exits within 2 s of a signal (a timer in src/runner/cancel.ts guarantees it); the
 * test allows far more, for a loaded machine, and far less than the run would take on its own.
 */
const EXIT_AFTER_SIGNAL_MS = 15_000;

interface Observed {
  phase: string;
  requestsPlanned: number;
  requestsAnswered: number;
  servicesSeen: string[];
  spansReceived: number;
}

/** Resolves once something accepts connections on the port (bounded). */
async function listening(port: number): Promise<void> {
  const stopAt = Date.now() + WAIT_MS;
  while (Date.now() < stopAt) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`nothing listened on ${port} within ${WAIT_MS} ms`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Runs dist/index.js, sends `signal` once `readyPort` listens (and `after` ms more), returns the run. */
async function cancelled(
  inputs: Record<string, string>,
  readyPort: number,
  signal: NodeJS.Signals,
  after = 0,
  cli?: string[],
): Promise<{ run: DistRun; afterSignalMs: number }> {
  let signalledAt = 0;
  const run = await runDist({
    inputs,
    ...(cli && { cli }),
    killAfterMs: 120_000,
    onStart: (child) => {
      void listening(readyPort)
        .then(() => sleep(after))
        .then(() => {
          signalledAt = Date.now();
          child.kill(signal);
        });
    },
  });
  assert.ok(signalledAt > 0, `the run ended before the signal: ${run.stdout}\n${run.stderr}`);
  return { run, afterSignalMs: Date.now() - signalledAt };
}

function assertCancelledReport(run: DistRun, signal: NodeJS.Signals): Observed {
  assert.equal(run.signal, null, 'ended by itself, not killed');
  assert.equal(run.code, 1, run.stderr);
  assert.doesNotMatch(run.stdout + run.stderr, /^\s+at /m, 'no stack trace');
  assert.equal(run.outputs.verdict, 'error');
  assert.equal(run.outputs['failed-checks'], '');
  const result = JSON.parse(run.outputs.result ?? '{}') as { error: string; observed: Observed };
  assert.match(result.error, new RegExp(`cancelled \\(${signal}\\)`));
  assert.match(run.summary, /No verdict/);
  assert.match(run.summary, new RegExp(`cancelled \\(${signal}\\)`));
  assert.match(run.summary, /Observed so far: while /);
  assert.match(run.stdout, new RegExp(`^::error::The run was cancelled \\(${signal}\\)`, 'm'));
  return result.observed;
}

describe('dist/index.js cancelled by the runner (SIGTERM, SIGINT)', () => {
  test('self-test with many requests: SIGTERM writes summary and outputs, stops the services', async () => {
    const [portA, portB] = await freePorts(2);
    const { run, afterSignalMs } = await cancelled(
      {
        requests: '10000',
        concurrency: '4',
        hops: '3',
        timeout: '600',
        'port-a': String(portA),
        'port-b': String(portB),
      },
      portA!,
      'SIGTERM',
      300,
    );
    assert.ok(afterSignalMs < EXIT_AFTER_SIGNAL_MS, `exited ${afterSignalMs} ms after the signal`);
    const observed = assertCancelledReport(run, 'SIGTERM');
    assert.equal(observed.requestsPlanned, 10000);
    assert.ok(observed.requestsAnswered < 10000, JSON.stringify(observed));
    assert.match(run.summary, /of 10000 requests answered/);
    assert.ok(await isFree(portA!), `port-a ${portA} still taken`);
    assert.ok(await isFree(portB!), `port-b ${portB} still taken`);
  });

  test('target mode waiting for the target: SIGTERM writes summary and outputs, stops the receiver', async () => {
    const [httpPort, grpcPort, silentPort] = await freePorts(3);
    const target = `http://127.0.0.1:${silentPort}/never`;
    const { run, afterSignalMs } = await cancelled(
      {
        'target-url': target,
        'wait-for': target,
        timeout: '600',
        'receiver-http-port': String(httpPort),
        'receiver-grpc-port': String(grpcPort),
      },
      httpPort!,
      'SIGTERM',
      200,
    );
    assert.ok(afterSignalMs < EXIT_AFTER_SIGNAL_MS, `exited ${afterSignalMs} ms after the signal`);
    const observed = assertCancelledReport(run, 'SIGTERM');
    assert.match(observed.phase, /^waiting for http:\/\/127\.0\.0\.1:\d+\/never to answer/);
    assert.equal(observed.requestsAnswered, 0);
    assert.deepEqual(observed.servicesSeen, []);
    assert.ok(await isFree(httpPort!), `receiver HTTP port ${httpPort} still taken`);
    assert.ok(await isFree(grpcPort!), `receiver gRPC port ${grpcPort} still taken`);
  });

  test('SIGINT (the first signal of a cancelled job) is handled the same way', async () => {
    const [portA, portB] = await freePorts(2);
    const { run } = await cancelled(
      {
        requests: '10000',
        timeout: '600',
        'port-a': String(portA),
        'port-b': String(portB),
      },
      portA!,
      'SIGINT',
    );
    assertCancelledReport(run, 'SIGINT');
    assert.ok(await isFree(portA!), `port-a ${portA} still taken`);
  });
});

describe('dist/cli.js interrupted (Ctrl-C)', () => {
  test('with --json: prints {"verdict":"error"} saying so, exits 2, releases the ports', async () => {
    const [portA, portB] = await freePorts(2);
    const { run } = await cancelled(
      { requests: '10000', timeout: '600', 'port-a': String(portA), 'port-b': String(portB) },
      portA!,
      'SIGINT',
      0,
      ['--json'],
    );
    assert.equal(run.signal, null, 'ended by itself');
    assert.equal(run.code, 2, run.stderr);
    const printed = JSON.parse(run.stdout) as { verdict: string; error: string };
    assert.deepEqual(printed, {
      verdict: 'error',
      error: 'The run was cancelled (SIGINT) before the check gave a verdict.',
    });
    assert.ok(await isFree(portA!), `port-a ${portA} still taken`);
  });
});

describe('dist/index.js ending without a verdict for other reasons', () => {
  test('a timeout writes a short summary with what was observed, and verdict error', async () => {
    const run = await runDist({
      inputs: { timeout: '1', requests: '5000', concurrency: '8', hops: '4' },
      killAfterMs: 60_000,
    });
    assert.equal(run.code, 1);
    assert.equal(run.outputs.verdict, 'error');
    assert.match(run.summary, /No verdict/);
    assert.match(run.summary, /Timed out after 1 s/);
    assert.match(run.summary, /of 5000 requests answered/);
    const result = JSON.parse(run.outputs.result ?? '{}') as { observed: Observed };
    assert.equal(result.observed.requestsPlanned, 5000);
  });
});
