import assert from 'node:assert/strict';
import net from 'node:net';
import { freePorts, startChain, startFixture, type Fixture } from '../../target/harness';
import { type DistRun, type TargetResult, verdictOf } from './dist';
import {
  answering,
  blackHole,
  endlessBody,
  post,
  refusedPort,
  resettingMidResponse,
  startCrashingService,
  type ChildService,
  type TinyTarget,
} from './targets';

export type Verdict = 'pass' | 'fail' | 'error';

/**
 * The faults of target mode, as scenarios the fault tests (part 2) run. Each sets up what it needs (tiny targets, user services in their own processes,
 * a port held by someone else), gives the inputs for dist/index.js, and cleans up after itself.
 */
export interface FaultScenario {
  name: string;
  /**
   * The `timeout` input: the run's own bound, which the action must honour to end by itself. Short
   * (2-3 s) where the fault is about that bound; elsewhere 10 s or more, so that a loaded machine
   * still reaches the fault before the bound (most runs wait for spans until it passes).
   */
  timeoutS: number;
  /**
   * The verdicts allowed: `fail` when the check gives a verdict on the fault, `error` when it
   * cannot run, `pass` when the fault must not change the verdict (garbage next to real spans).
   */
  verdicts: Verdict[];
  setup(): Promise<Prepared>;
}

export interface Prepared {
  inputs: Record<string, string>;
  /** The scenario's own checks on a finished run (the diagnosis, side effects). */
  check(run: DistRun, t: SubtestContext): Promise<void>;
  cleanup(): Promise<void>;
}

/** What check() needs of node:test's context: a way to hang a todo subtest on the run. */
export interface SubtestContext {
  test(name: string, options: { todo?: string }, fn: () => void | Promise<void>): Promise<void>;
  diagnostic(message: string): void;
}

/** Everything a scenario started, stopped in reverse order whatever happens. */
class Resources {
  private readonly stops: (() => Promise<void>)[] = [];

  add<T extends { stop?(): Promise<void>; close?(): Promise<void> }>(resource: T): T {
    this.stops.push(() => (resource.stop ?? resource.close)!.call(resource));
    return resource;
  }

  onCleanup(stop: () => Promise<void>): void {
    this.stops.push(stop);
  }

  async cleanup(): Promise<void> {
    const errors: unknown[] = [];
    for (const stop of this.stops.reverse()) {
      await stop().catch((error: unknown) => errors.push(error));
    }
    this.stops.length = 0;
    if (errors.length > 0) throw errors[0];
  }
}

/** Starts a scenario's resources; if setup throws, what it started is stopped. */
async function prepare(
  build: (resources: Resources) => Promise<Omit<Prepared, 'cleanup'>>,
): Promise<Prepared> {
  const resources = new Resources();
  try {
    const prepared = await build(resources);
    return { ...prepared, cleanup: () => resources.cleanup() };
  } catch (error) {
    await resources.cleanup().catch(() => {});
    throw error;
  }
}

async function receiverPorts(): Promise<{ httpPort: number; grpcPort: number }> {
  const [httpPort, grpcPort] = await freePorts(2);
  return { httpPort: httpPort!, grpcPort: grpcPort! };
}

function receiverInputs(ports: { httpPort: number; grpcPort: number }): Record<string, string> {
  return {
    'receiver-http-port': String(ports.httpPort),
    'receiver-grpc-port': String(ports.grpcPort),
  };
}

function hasDiagnosis(found: TargetResult, pattern: RegExp): void {
  assert.ok(
    found.diagnoses.some((d) => pattern.test(d)),
    `a diagnosis matching ${pattern} in:\n${found.diagnoses.join('\n')}`,
  );
}

/** Holds a port on 127.0.0.1, as another process on a shared runner would. */
async function holdPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * An exporter gone wrong: while the run lasts, POSTs undecodable OTLP (bad protobuf, bad JSON) to
 * the receiver every 50 ms and records each status. Bounded: at most 2,000 sends, 60 s.
 */
function garbageExporter(port: number): { stop(): Promise<{ statuses: number[] }> } {
  const statuses: number[] = [];
  let stopped = false;
  const bodies: [Buffer | string, string][] = [
    // Field 1, length-delimited, claiming far more bytes than follow.
    [Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), 'application/x-protobuf'],
    ['{"resourceSpans": [', 'application/json'],
  ];
  const loop = (async () => {
    const until = Date.now() + 60_000;
    for (let sent = 0; !stopped && sent < 2000 && Date.now() < until; sent += 1) {
      const [body, type] = bodies[sent % bodies.length]!;
      await post(port, '/v1/traces', body, type).then(
        (status) => statuses.push(status),
        () => {}, // the receiver is not up yet, or already gone
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return { statuses };
    },
  };
}

const SERVICES = ['service-a', 'service-b'];
const MB = 1024 * 1024;

export const FAULT_SCENARIOS: FaultScenario[] = [
  {
    name: 'the target refuses connections (nothing listens on its port)',
    timeoutS: 10,
    verdicts: ['fail'],
    setup: () =>
      prepare(async () => {
        const port = await refusedPort();
        return {
          inputs: {
            'target-url': `http://127.0.0.1:${port}/`,
            ...receiverInputs(await receiverPorts()),
          },
          check: async (run) => {
            hasDiagnosis(
              verdictOf(run).result,
              /^probe -> target: the target did not answer \(ECONNREFUSED/,
            );
          },
        };
      }),
  },
  {
    // fetch refuses some ports outright (the WHATWG "bad ports": 6000 X11, 6665-6669, 5060, ...);
    // nothing is sent, so nothing needs to listen there.
    name: 'the target listens on a port fetch refuses to call (6000)',
    timeoutS: 10,
    verdicts: ['fail'],
    setup: () =>
      prepare(async () => ({
        inputs: {
          'target-url': 'http://127.0.0.1:6000/',
          ...receiverInputs(await receiverPorts()),
        },
        check: async (run, t) => {
          const { result: found } = verdictOf(run);
          hasDiagnosis(found, /^probe -> target: the target did not answer/);
          await t.test(
            'the diagnosis gives the reason (bad port), not just "fetch failed"',
            {},
            () => hasDiagnosis(found, /bad port/),
          );
        },
      })),
  },
  {
    name: 'the target accepts the connection and never answers',
    timeoutS: 3,
    // Two timers of the same length race: the probe's fetch signal and the run's deadline.
    verdicts: ['fail', 'error'],
    setup: () =>
      prepare(async (resources) => {
        const target: TinyTarget = resources.add(await blackHole());
        return {
          inputs: { 'target-url': target.url, ...receiverInputs(await receiverPorts()) },
          check: async (run, t) => {
            assert.ok(target.hits() >= 1, 'the probe connected');
            // Either the probe's own time bound ends it (a fail verdict: no answer in time) or the
            // run's deadline does (no verdict): both must say what was waited for.
            const { verdict, result: found, error } = verdictOf(run);
            if (verdict === 'fail') {
              hasDiagnosis(
                found,
                /^probe -> target: the target did not answer \(no answer in time\)/,
              );
              await t.test("the wait's note does not claim it gave up after 0.0 s", {}, () =>
                assert.doesNotMatch(found.wait.note ?? '', /Gave up after 0\.0 s/),
              );
            } else {
              await t.test('the same hung target always gets the same verdict (fail)', {}, () =>
                assert.equal(verdict, 'fail'),
              );
              assert.match(
                error,
                /^Timed out after 3 s \(input 'timeout'\) waiting for the answers to the probes sent to http:\/\/127\.0\.0\.1:\d+\/\.$/,
              );
            }
            t.diagnostic(`ended with ${verdict}: ${error.slice(0, 200)}`);
          },
        };
      }),
  },
  {
    name: 'the target answers 500',
    timeoutS: 10,
    verdicts: ['fail'],
    setup: () =>
      prepare(async (resources) => {
        const target = resources.add(await answering(500));
        return {
          inputs: { 'target-url': target.url, ...receiverInputs(await receiverPorts()) },
          check: async (run) => {
            const { result: found } = verdictOf(run);
            hasDiagnosis(found, /^probe -> target: the target answered HTTP 500;/);
            assert.ok(found.failed_checks.includes('target_answered'), found.failed_checks.join());
            assert.equal(found.probes.failures[0]?.status, 500);
          },
        };
      }),
  },
  {
    name: 'the target resets the connection mid-response',
    timeoutS: 10,
    verdicts: ['fail'],
    setup: () =>
      prepare(async (resources) => {
        const target = resources.add(await resettingMidResponse());
        return {
          inputs: { 'target-url': target.url, ...receiverInputs(await receiverPorts()) },
          check: async (run, t) => {
            const { result: found } = verdictOf(run);
            assert.ok(target.hits() >= 1, 'the probe reached the target');
            // The probe saw the reset: the evidence is in the result, if not in the verdict.
            assert.equal(found.probes.failures[0]?.status, 200);
            assert.match(found.probes.failures[0]?.error ?? '', /ECONNRESET/);
            await t.test('the diagnosis says the answer was cut off', {}, () => {
              assert.ok(
                found.failed_checks.includes('target_answered'),
                found.failed_checks.join(),
              );
              hasDiagnosis(found, /did not answer|cut off|reset|terminated|closed/i);
            });
          },
        };
      }),
  },
  {
    name: 'the target answers 200 with a body that never ends',
    timeoutS: 2,
    verdicts: ['fail', 'error'],
    setup: () =>
      prepare(async (resources) => {
        const target = resources.add(await endlessBody(256 * MB));
        return {
          inputs: { 'target-url': target.url, ...receiverInputs(await receiverPorts()) },
          check: async (_run, t) => {
            const read = target.sentBytes();
            t.diagnostic(`the probe took ${(read / MB).toFixed(0)} MB of the endless body`);
            await t.test(
              'the probe reads a bounded part of the body (it only needs the status)',
              {},
              () => assert.ok(read < 32 * MB, `${(read / MB).toFixed(0)} MB read`),
            );
          },
        };
      }),
  },
  {
    name: 'the receiver HTTP port is already taken',
    timeoutS: 10,
    verdicts: ['error'],
    setup: () =>
      prepare(async (resources) => {
        const held = resources.add(await holdPort());
        const target = resources.add(await answering(200));
        return {
          inputs: {
            'target-url': target.url,
            'receiver-http-port': String(held.port),
            'receiver-grpc-port': '0',
          },
          check: async (run) => {
            assert.equal(
              verdictOf(run).error,
              `Input 'receiver-http-port': port ${held.port} on 127.0.0.1 is already in use; choose another port, or 0 for a free one.`,
            );
            // Refused before anything started: the target never saw a probe.
            assert.equal(target.hits(), 0, 'no probe was sent');
          },
        };
      }),
  },
  {
    name: 'the receiver gRPC port is already taken',
    timeoutS: 10,
    verdicts: ['error'],
    setup: () =>
      prepare(async (resources) => {
        const held = resources.add(await holdPort());
        const [httpPort] = await freePorts(1);
        const target = resources.add(await answering(200));
        return {
          inputs: {
            'target-url': target.url,
            'receiver-http-port': String(httpPort),
            'receiver-grpc-port': String(held.port),
          },
          check: async (run, t) => {
            assert.equal(
              verdictOf(run).error,
              `Input 'receiver-grpc-port': port ${held.port} on 127.0.0.1 is already in use; choose another port, or 0 for a free one.`,
            );
            // Refused before anything started: the target never saw a probe.
            assert.equal(target.hits(), 0, 'no probe was sent');
            await t.test('nothing else is printed (stderr stays empty)', {}, () =>
              assert.equal(run.stderr, ''),
            );
          },
        };
      }),
  },
  {
    name: 'a user service crashes mid-run, behind a healthy entry service',
    timeoutS: 20,
    verdicts: ['fail'],
    setup: () =>
      prepare(async (resources) => {
        const ports = await receiverPorts();
        const crasher: ChildService = resources.add(await startCrashingService());
        const entry: Fixture = resources.add(
          await startFixture({ name: 'entry', next: crasher.url }, ports),
        );
        return {
          inputs: {
            'target-url': entry.url,
            'expect-services': 'entry,crasher',
            settle: '300',
            ...receiverInputs(ports),
          },
          check: async (run) => {
            const exit = await Promise.race([
              crasher.exited,
              new Promise<string>((resolve) =>
                setTimeout(() => resolve('still running'), 30_000).unref(),
              ),
            ]);
            assert.equal(exit, 1, 'the crashing service died on the probe');
            const { result: found } = verdictOf(run);
            hasDiagnosis(found, /^probe -> target: the target answered HTTP 502;/);
            hasDiagnosis(found, /^crasher exported no spans at all/);
            assert.deepEqual(found.services_seen, ['entry'], 'the entry service still reported');
          },
        };
      }),
  },
  {
    name: 'an exporter sends garbage to the receiver during the run',
    timeoutS: 30,
    verdicts: ['pass'],
    setup: () =>
      prepare(async (resources) => {
        const ports = await receiverPorts();
        const chain = await startChain(
          SERVICES.map((name) => ({ name })),
          ports,
        );
        for (const fixture of chain) resources.add(fixture);
        const garbage = garbageExporter(ports.httpPort);
        let statuses: number[] | undefined;
        const stopGarbage = async (): Promise<number[]> =>
          (statuses ??= (await garbage.stop()).statuses);
        resources.onCleanup(async () => void (await stopGarbage()));
        return {
          inputs: {
            'target-url': chain[0]!.url,
            'expect-services': SERVICES.join(','),
            settle: '300',
            ...receiverInputs(ports),
          },
          check: async (run, t) => {
            const sent = await stopGarbage();
            t.diagnostic(`garbage exports answered: ${sent.length}`);
            assert.ok(sent.length >= 1, 'the garbage reached the receiver');
            assert.deepEqual([...new Set(sent)], [400], 'every garbage export got 400');
            const { verdict, result: found } = verdictOf(run);
            assert.equal(run.code, 0, found.diagnoses.join('\n'));
            assert.equal(verdict, 'pass');
            assert.deepEqual([...found.services_seen].sort(), SERVICES);
            assert.equal(new Set(found.spans.map((s) => s.trace_id)).size, 1);
          },
        };
      }),
  },
  {
    name: "timeout shorter than the exporters' 5 s batch delay, with expect-services",
    timeoutS: 2,
    verdicts: ['fail'],
    setup: () =>
      prepare(async (resources) => {
        const ports = await receiverPorts();
        // The SDK's default schedule delay: nothing is exported before the run's deadline.
        const service = resources.add(
          await startFixture({ name: 'slow-exporter', scheduleDelayMs: 5000 }, ports),
        );
        return {
          inputs: {
            'target-url': service.url,
            'expect-services': 'slow-exporter',
            ...receiverInputs(ports),
          },
          check: async (run) => {
            const { result: found } = verdictOf(run);
            assert.equal(found.wait.outcome, 'timeout');
            assert.match(
              found.diagnoses[0] ?? '',
              /^Gave up after [\d.]+ s \(input 'timeout'\) waiting for any span to arrive at the receiver\.$/,
            );
          },
        };
      }),
  },
  {
    name: "timeout shorter than the exporters' 5 s batch delay, without expect-services",
    timeoutS: 2,
    verdicts: ['fail'],
    setup: () =>
      prepare(async (resources) => {
        const ports = await receiverPorts();
        // The SDK's default schedule delay: nothing is exported before the run's deadline.
        const service = resources.add(
          await startFixture({ name: 'slow-exporter', scheduleDelayMs: 5000 }, ports),
        );
        return {
          inputs: { 'target-url': service.url, ...receiverInputs(ports) },
          check: async (run) => {
            const { result: found } = verdictOf(run);
            assert.equal(found.wait.outcome, 'timeout');
            assert.match(
              found.diagnoses[0] ?? '',
              /^Gave up after [\d.]+ s \(input 'timeout'\) waiting for any span to arrive at the receiver\.$/,
            );
          },
        };
      }),
  },
  {
    name: 'the wait-for URL never comes up',
    timeoutS: 10,
    verdicts: ['error'],
    setup: () =>
      prepare(async () => {
        const port = await refusedPort();
        const url = `http://127.0.0.1:${port}/health`;
        return {
          inputs: { 'target-url': url, 'wait-for': url, ...receiverInputs(await receiverPorts()) },
          check: async (run) => {
            assert.match(
              verdictOf(run).error,
              /^Timed out \(input 'timeout'\) waiting for http:\/\/127\.0\.0\.1:\d+\/health \(input 'wait-for'\) to answer; last attempt: ECONNREFUSED/,
            );
          },
        };
      }),
  },
];
