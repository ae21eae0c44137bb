import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../errors';
import type { InputName } from './inputs';
import { hasControlCharacter, quote } from './values';

/**
 * Target mode's services started by the action (issue 9): `services` lines `name: command`,
 * `setup` and `teardown` commands, and the `working-directory` they all run in.
 */

/** One service the action starts: its `service.name` and the bash command that runs it. */
export interface ServiceSpec {
  name: string;
  command: string;
}

export interface LaunchConfig {
  /** Started in this order, each in its own process group; empty when only setup/teardown are set. */
  services: ServiceSpec[];
  /** Run to completion before the services start; undefined for none. */
  setup: string | undefined;
  /** Run after the verdict, whatever happened; undefined for none. */
  teardown: string | undefined;
  /** Absolute path every command runs in. */
  workingDirectory: string;
}

/** The inputs of this file, checked for `target-url` by the target parser. */
export const LAUNCH_INPUTS = ['services', 'setup', 'teardown', 'working-directory'] as const;

/**
 * The schedule delay injected as OTEL_BSP_SCHEDULE_DELAY into the services the action starts:
 * their spans reach the receiver a tenth of a second after they end, not 5 s.
 */
export const SERVICE_BATCH_DELAY_MS = 100;

/** Longest service name: it becomes OTEL_SERVICE_NAME and a log group's title. */
const MAX_NAME_LENGTH = 100;

/**
 * Parses the launch inputs; undefined when none of `services`, `setup`, `teardown` is set.
 * `cwd` is where a relative `working-directory` starts: the runner starts actions in the workspace.
 */
export function parseLaunch(
  read: (name: InputName) => string,
  cwd: string = process.cwd(),
): LaunchConfig | undefined {
  const services = parseServiceLines(read('services'));
  const setup = parseCommand('setup', read('setup'));
  const teardown = parseCommand('teardown', read('teardown'));
  const directory = read('working-directory').trim();
  if (services.length === 0 && setup === undefined && teardown === undefined) {
    if (directory !== '') {
      throw new InputError(
        `Input 'working-directory' needs 'services', 'setup' or 'teardown' (it is where they run).`,
      );
    }
    return undefined;
  }
  return { services, setup, teardown, workingDirectory: parseDirectory(directory, cwd) };
}

/**
 * How long an unanswered call waits for its answer by default (input `export-delay`): the
 * services the action starts export every SERVICE_BATCH_DELAY_MS, so 1 s is ample; services
 * started by the user keep the SDKs' 5 s batch delay.
 */
export function effectiveExportDelayDefault(services: readonly ServiceSpec[]): number {
  return services.length > 0 ? 1000 : 5000;
}

/** `name: command` lines; blank lines and lines starting with `#` are skipped. */
function parseServiceLines(raw: string): ServiceSpec[] {
  const specs: ServiceSpec[] = [];
  for (const line of raw.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    const name = line.slice(0, Math.max(colon, 0)).trim();
    const command = line.slice(colon + 1).trim();
    if (colon <= 0 || name === '' || command === '') {
      throw new InputError(
        `Input 'services' must be lines of 'name: command' (e.g. 'checkout: node checkout.js'), got ${quote(line)}.`,
      );
    }
    if (name.length > MAX_NAME_LENGTH || !/^[A-Za-z0-9][A-Za-z0-9._/@-]*$/.test(name)) {
      throw new InputError(
        `Input 'services': a name must be letters, digits and . _ / @ - (at most ${MAX_NAME_LENGTH}, starting with a letter or digit), got ${quote(name)}.`,
      );
    }
    if (specs.some((spec) => spec.name === name)) {
      throw new InputError(`Input 'services' names ${quote(name)} twice.`);
    }
    if (hasControlCharacter(command, true)) {
      throw new InputError(
        `Input 'services': the command of ${quote(name)} must not hold control characters.`,
      );
    }
    specs.push({ name, command });
  }
  return specs;
}

function parseCommand(name: InputName, raw: string): string | undefined {
  const command = raw.trim();
  if (command === '') return undefined;
  // Newlines are fine (a multi-line script); other control characters are a paste accident.
  if (hasControlCharacter(command.replace(/[\n\t]/g, ' '), true)) {
    throw new InputError(`Input '${name}' must be a shell command without control characters.`);
  }
  return command;
}

function parseDirectory(raw: string, cwd: string): string {
  const directory = resolve(cwd, raw === '' ? '.' : raw);
  let isDirectory = false;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch {
    // Missing or unreadable: reported below like any other non-directory.
  }
  if (!isDirectory) {
    throw new InputError(
      `Input 'working-directory' must be an existing directory, got ${quote(raw)} (${quote(directory)}).`,
    );
  }
  return directory;
}
