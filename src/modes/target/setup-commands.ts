import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import * as exec from '@actions/exec';
import { OutputLog } from './output-log';

/**
 * The `setup` and `teardown` commands: run with bash through @actions/exec, to completion, each
 * bounded in time. Their output is captured (never streamed raw: it is not ours) and printed by
 * the caller in a log group.
 */

/** How a command ended. */
export interface CommandRun {
  input: 'setup' | 'teardown';
  command: string;
  exitCode: number;
  /** It ran out of its time and was stopped. */
  timedOut: boolean;
  output: OutputLog;
}

/** Exit status of coreutils `timeout` when the time ran out. */
const TIMED_OUT_STATUS = 124;
/** Grace between timeout's SIGTERM and its SIGKILL, in seconds. */
const KILL_AFTER_S = 5;

/** Runs `command` with bash in `cwd`, for at most `limitMs`; never throws for a failing command. */
export async function runCommand(
  input: CommandRun['input'],
  command: string,
  options: { cwd: string; env: NodeJS.ProcessEnv; limitMs: number },
): Promise<CommandRun> {
  const output = new OutputLog();
  const started = Date.now();
  const env = Object.fromEntries(
    Object.entries(options.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
  // @actions/exec has no time limit of its own: coreutils `timeout` gives one (and signals the
  // command's whole process group). Where it is missing (macOS runners) the command is unbounded.
  const bounded = hasProgram('timeout', env.PATH);
  const seconds = Math.max(1, Math.ceil(options.limitMs / 1000));
  const [program, args] = bounded
    ? ['timeout', [`--kill-after=${KILL_AFTER_S}`, String(seconds), 'bash', '-c', command]]
    : ['bash', ['-c', command]];
  let exitCode: number;
  try {
    exitCode = await exec.exec(program, args, {
      cwd: options.cwd,
      env,
      silent: true,
      ignoreReturnCode: true,
      listeners: {
        stdout: (chunk) => output.append(chunk),
        stderr: (chunk) => output.append(chunk),
      },
    });
  } catch (error) {
    output.append(`[could not run: ${error instanceof Error ? error.message : String(error)}]\n`);
    exitCode = 127;
  }
  const timedOut =
    bounded && exitCode === TIMED_OUT_STATUS && Date.now() - started >= seconds * 1000;
  return { input, command, exitCode, timedOut, output };
}

/** One line naming the command and how it ended, for the error and the log. */
export function describeCommand(run: CommandRun): string {
  const how = run.timedOut
    ? `did not finish in time (input 'timeout') and was stopped`
    : `exited with code ${run.exitCode}`;
  return `The ${run.input} command (input '${run.input}') ${how}: ${oneLine(run.command)}`;
}

function oneLine(command: string): string {
  const line = command.replace(/\s*\n\s*/g, '; ');
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function hasProgram(name: string, path: string | undefined): boolean {
  return (path ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, name)));
}
