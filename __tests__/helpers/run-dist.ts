import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '..', '..');
let installed: string | undefined;

/**
 * Copies the committed dist/ into a folder with no node_modules above it, as the runner has it:
 * whatever the bundle needs must be inside it.
 */
export function distFolder(): string {
  if (installed === undefined) {
    const folder = mkdtempSync(join(tmpdir(), 'propagation-check-action-'));
    cpSync(join(REPO, 'dist'), join(folder, 'dist'), { recursive: true });
    installed = folder;
  }
  return installed;
}

export interface DistRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Outputs written to GITHUB_OUTPUT (empty outside the runner). */
  outputs: Record<string, string>;
  /** The job summary written to GITHUB_STEP_SUMMARY ('' when none). */
  summary: string;
  elapsedMs: number;
}

export interface RunOptions {
  /** Inputs by their action.yml names, passed as INPUT_* variables. */
  inputs?: Record<string, string>;
  /** false: run as in a terminal, with no GITHUB_* variables. */
  runner?: boolean;
  /** Kill the process after this long; a test that needs it has found a hang. */
  killAfterMs?: number;
  /**
   * Run dist/cli.js instead, as in a terminal: the inputs become `--name value` flags, followed
   * by these arguments. With `--json`, the printed result is returned as the `result` output.
   */
  cli?: string[];
  /** Called with the running process, e.g. to send it a signal. */
  onStart?: (child: ChildProcess) => void;
  /**
   * Run under this limit on open file descriptors (`ulimit -n` in bash, then exec node): a real
   * resource fault for the process, e.g. an inner hop's connection failing with EMFILE.
   */
  fdLimit?: number;
  /** Point GITHUB_OUTPUT or GITHUB_STEP_SUMMARY at a file that does not exist, in a missing folder. */
  missingFile?: 'output' | 'summary';
}

/** Runs dist/index.js as the runner does: INPUT_* variables, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY. */
export function runDist(options: RunOptions = {}): Promise<DistRun> {
  const folder = distFolder();
  const work = mkdtempSync(join(tmpdir(), 'propagation-check-run-'));
  const outputFile = join(work, 'output');
  const summaryFile = join(work, 'summary.md');
  if (options.missingFile !== 'output') writeFileSync(outputFile, '');
  if (options.missingFile !== 'summary') writeFileSync(summaryFile, '');
  const missing = join(work, 'missing', 'file');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  const cli = options.cli;
  if (options.runner !== false && cli === undefined) {
    Object.assign(env, {
      GITHUB_ACTIONS: 'true',
      GITHUB_OUTPUT: options.missingFile === 'output' ? missing : outputFile,
      GITHUB_STEP_SUMMARY: options.missingFile === 'summary' ? missing : summaryFile,
    });
  }
  const args: string[] = [];
  for (const [name, value] of Object.entries(options.inputs ?? {})) {
    if (cli) args.push(`--${name}`, value);
    else env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  const entry = join(folder, 'dist', cli ? 'cli.js' : 'index.js');
  const node = [process.execPath, entry, ...args, ...(cli ?? [])];
  // bash sets the limit on itself, then becomes node (exec): nothing else runs under it.
  const command =
    options.fdLimit === undefined
      ? node
      : [
          'bash',
          '-c',
          'ulimit -n "$1" || exit 97; shift; exec "$@"',
          'bash',
          String(options.fdLimit),
          ...node,
        ];
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command[0]!, command.slice(1), {
      cwd: work,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // The default guard is past any `timeout` a test gives (at most 120 s): it only stops a hang.
    const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 180_000);
    child.on('error', reject);
    options.onStart?.(child);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolvePromise({
        code,
        signal,
        stdout,
        stderr,
        outputs:
          cli?.includes('--json') && code === 0
            ? { result: stdout }
            : existsSync(outputFile)
              ? parseOutputs(readFileSync(outputFile, 'utf8'))
              : {},
        summary: existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8') : '',
        elapsedMs: Date.now() - started,
      });
    });
  });
}

/** Reads the GITHUB_OUTPUT file format: `name<<DELIMITER`, the value's lines, `DELIMITER`. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[index]!);
    if (match) {
      const [, name, delimiter] = match;
      const end = lines.indexOf(delimiter!, index + 1);
      outputs[name!] = lines.slice(index + 1, end).join('\n');
      index = end;
    } else if (lines[index]!.includes('=')) {
      const [name, ...value] = lines[index]!.split('=');
      outputs[name!] = value.join('=');
    }
  }
  return outputs;
}
