import type { PropagatorName } from '../../config/inputs';
import type { LaunchConfig } from '../../config/services';
import { TimeoutError, type Deadline } from '../../deadline';
import { log } from '../../log';
import { onCancel } from './cancel';
import { commandEnv, serviceEnv } from './service-env';
import {
  LaunchError,
  lastLinesInline,
  printProcessLogs,
  processTailsHtml,
  type ProcessLog,
} from './service-report';
import { ServiceGroup, STOP_GRACE_MS, type RunningService } from './services';
import { describeCommand, runCommand, type CommandRun } from './setup-commands';
import { waitUntilAnswering } from './wait-for';

/**
 * Target mode's own services (issue 9): run `setup`, start `services`, wait until the target
 * answers; after the verdict stop them, print their output and run `teardown`.
 */

/** Teardown gets at least this long, even when the run's own time is spent. */
const TEARDOWN_MIN_MS = 10_000;

export interface LaunchOptions {
  launch: LaunchConfig;
  /** The receiver's OTLP/HTTP address, with the port it really bound. */
  receiverHttpUrl: string;
  propagators: readonly PropagatorName[];
  /** Polled until it answers below 500 before the probes (`wait-for`, else `target-url`). */
  readyUrl: string | undefined;
  deadline: Deadline;
}

/** Services the action started, for the reports and for the end of the run. */
export interface Launched {
  services: readonly RunningService[];
  /** The summary part on services that died, or that `broken` (service names) names. */
  summaryHtml(broken: readonly string[]): string;
  /** Stops the services, prints every captured output, runs teardown. Idempotent. */
  finish(): Promise<void>;
}

/** Runs setup, starts the services and waits until they answer; throws LaunchError if not. */
export async function launchServices(options: LaunchOptions): Promise<Launched> {
  const { launch, deadline } = options;
  const env = commandEnv(options);
  const commands: CommandRun[] = [];
  let finishing: Promise<void> | undefined;
  const teardown = async (): Promise<void> => {
    if (launch.teardown === undefined) return;
    const limitMs = Math.max(TEARDOWN_MIN_MS, deadline.remainingMs());
    commands.push(await runCommand('teardown', launch.teardown, { ...commandOptions(), limitMs }));
  };
  const commandOptions = (): { cwd: string; env: NodeJS.ProcessEnv; limitMs: number } => ({
    cwd: launch.workingDirectory,
    env,
    limitMs: deadline.remainingMs(),
  });
  const finish = (): Promise<void> =>
    (finishing ??= (async () => {
      await group.stop();
      await teardown();
      forgetFinish();
      printProcessLogs(allLogs(group, commands), process.env.GITHUB_ACTIONS === 'true');
      reportFailedTeardown(commands);
    })());
  // On a cancel too: registered before the services' own cleanup, so it runs after they stopped.
  const forgetFinish = onCancel(finish);
  const group = new ServiceGroup();
  try {
    if (launch.setup !== undefined) {
      const setup = await runCommand('setup', launch.setup, commandOptions());
      commands.push(setup);
      if (setup.exitCode !== 0) {
        const message = `${describeCommand(setup)}; ${lastLinesInline(setup.output)}`;
        throw new LaunchError(message, processTailsHtml([commandLog(setup)]));
      }
    }
    for (const spec of launch.services) {
      group.start(spec, serviceEnv(spec.name, env), launch.workingDirectory);
    }
    if (options.readyUrl !== undefined) await waitUntilReady(options.readyUrl, group, deadline);
  } catch (error) {
    await finish();
    throw error;
  }
  return {
    services: group.services,
    summaryHtml: (broken) =>
      processTailsHtml(
        group.services
          .filter((service) => service.exit?.unasked === true || broken.includes(service.name))
          .map(serviceLog),
      ),
    finish,
  };
}

/** Waits for `url` to answer; a service that ends meanwhile ends the wait, and the run. */
async function waitUntilReady(url: string, group: ServiceGroup, deadline: Deadline): Promise<void> {
  const died = new AbortController();
  group.onExit(() => died.abort());
  try {
    await waitUntilAnswering(url, deadline, died.signal);
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    const message = `${error.message} The services started (input 'services') were still running.`;
    throw new LaunchError(message, processTailsHtml(group.services.map(serviceLog)));
  }
  const dead = group.died();
  if (dead !== undefined) {
    const message = `Service '${dead.name}' (input 'services') ${exitWords(dead)} before the probes; ${lastLinesInline(dead.output)}`;
    throw new LaunchError(message, processTailsHtml([serviceLog(dead)]));
  }
}

/** A failing teardown does not change the verdict, but must not pass unseen. */
function reportFailedTeardown(commands: readonly CommandRun[]): void {
  for (const run of commands) {
    if (run.input === 'teardown' && run.exitCode !== 0) {
      log.warning(`${describeCommand(run)}; ${lastLinesInline(run.output)}`);
    }
  }
}

function allLogs(group: ServiceGroup, commands: readonly CommandRun[]): ProcessLog[] {
  const setup = commands.filter((run) => run.input === 'setup');
  const teardown = commands.filter((run) => run.input === 'teardown');
  return [...setup.map(commandLog), ...group.services.map(serviceLog), ...teardown.map(commandLog)];
}

function serviceLog(service: RunningService): ProcessLog {
  return {
    title: `service ${service.name} (pid ${service.pid})`,
    status: exitWords(service),
    output: service.output,
  };
}

function commandLog(run: CommandRun): ProcessLog {
  return {
    title: run.input,
    status: run.timedOut ? 'stopped: out of time' : `exited with code ${run.exitCode}`,
    output: run.output,
  };
}

/** How a service ended, in words. */
function exitWords(service: RunningService): string {
  const exit = service.exit;
  if (exit === undefined) return 'still running';
  const how =
    exit.signal !== null ? `was ended by ${exit.signal}` : `exited with code ${exit.code}`;
  if (exit.unasked) return how;
  return service.killed
    ? `ignored SIGTERM for ${STOP_GRACE_MS / 1000} s and was killed (SIGKILL)`
    : `stopped by the action (${how})`;
}
