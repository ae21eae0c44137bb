import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceSpec } from '../../config/services';
import { onCancel } from './cancel';
import { OutputLog } from './output-log';

/**
 * The user's services, started by the action (input `services`): each command runs with bash in
 * its own process group (so whatever it starts can be signalled with it), its output captured.
 * Stopping sends SIGTERM to the group and SIGKILL after a grace.
 */

/** How long a service has to end after SIGTERM before its group gets SIGKILL. */
export const STOP_GRACE_MS = 5000;
/** How long to wait for the group to vanish after SIGKILL (the kernel needs a moment). */
const KILL_WAIT_MS = 2000;
const POLL_MS = 50;

/** How a service's first process ended; undefined while it runs. */
export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** It ended by itself, before the action stopped it. */
  unasked: boolean;
}

export interface RunningService {
  name: string;
  command: string;
  /** Its process id, which is also its process group id. */
  pid: number;
  output: OutputLog;
  exit: ServiceExit | undefined;
  /** It ignored SIGTERM for the whole grace and was killed. */
  killed: boolean;
}

/** Services started together, stopped together. */
export class ServiceGroup {
  readonly services: RunningService[] = [];
  private readonly children = new Map<RunningService, ChildProcess>();
  private stopping: Promise<void> | undefined;
  private readonly exitListeners: ((service: RunningService) => void)[] = [];
  private readonly forgetCancel: () => void;

  constructor() {
    this.forgetCancel = onCancel(
      () => this.stop(),
      () => this.killNow(),
    );
  }

  /** Starts one service; throws when bash itself cannot be started. */
  start(spec: ServiceSpec, env: NodeJS.ProcessEnv, cwd: string): RunningService {
    const child = spawn('bash', ['-c', spec.command], {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) {
      throw new Error(`Could not start service '${spec.name}' (bash not found?).`);
    }
    const service: RunningService = {
      name: spec.name,
      command: spec.command,
      pid: child.pid,
      output: new OutputLog(),
      exit: undefined,
      killed: false,
    };
    child.stdout?.on('data', (chunk: Buffer) => service.output.append(chunk));
    child.stderr?.on('data', (chunk: Buffer) => service.output.append(chunk));
    child.on('error', (error) => service.output.append(`[could not run: ${error.message}]\n`));
    child.on('exit', (code, signal) => {
      service.exit = { code, signal, unasked: this.stopping === undefined };
      for (const listener of this.exitListeners) listener(service);
    });
    this.services.push(service);
    this.children.set(service, child);
    return service;
  }

  /** The first service that ended by itself, if any. */
  died(): RunningService | undefined {
    return this.services.find((service) => service.exit?.unasked === true);
  }

  /** Calls `listener` when a service ends (at once if one already ended by itself). */
  onExit(listener: (service: RunningService) => void): void {
    this.exitListeners.push(listener);
    const dead = this.died();
    if (dead !== undefined) listener(dead);
  }

  /** Stops every group: SIGTERM, SIGKILL after the grace. Safe to call more than once. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all(this.services.map((service) => this.stopOne(service)));
      this.forgetCancel();
      // Pipes a grandchild still holds would keep the action's process alive: let them go.
      for (const child of this.children.values()) {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }
    })();
    return this.stopping;
  }

  /** SIGKILL to every group, synchronously: the last resort when the action itself must exit. */
  killNow(): void {
    for (const service of this.services) signalGroup(service.pid, 'SIGKILL');
  }

  private async stopOne(service: RunningService): Promise<void> {
    if (!groupAlive(service.pid)) return;
    signalGroup(service.pid, 'SIGTERM');
    if (await groupGone(service.pid, STOP_GRACE_MS)) return;
    service.killed = true;
    signalGroup(service.pid, 'SIGKILL');
    await groupGone(service.pid, KILL_WAIT_MS);
  }
}

/** Whether any process of the group `pgid` still exists. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but is not ours to signal (it changed user); still alive.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Gone already: nothing to stop.
  }
}

async function groupGone(pgid: number, withinMs: number): Promise<boolean> {
  const stopAt = Date.now() + withinMs;
  while (groupAlive(pgid)) {
    if (Date.now() >= stopAt) return false;
    await sleep(POLL_MS);
  }
  return true;
}
export { stopAll } from './cancel';
