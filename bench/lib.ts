/**
 * Shared helpers of the benchmarks: bounded child processes, medians, tables and the machine
 * description. The benchmarks print figures; they never assert on a time.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '..');

/** Process groups still running, killed if the benchmark itself exits early. */
const live = new Set<number>();
process.on('exit', () => {
  for (const pid of live) killGroup(pid);
});
// Children run in their own process groups, so a Ctrl-C does not reach them: pass it on.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const pid of live) killGroup(pid);
    process.exit(130);
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export interface ProcessRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From spawn to the close of its stdio, as the parent sees it. */
  wallMs: number;
  timedOut: boolean;
}

export interface ProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The child and everything it started are killed (SIGKILL to its process group) after this. */
  timeoutMs: number;
}

/**
 * Runs a command in its own process group, bounded: on timeout the whole group is killed, so a
 * wrapper such as /usr/bin/time cannot leave its child behind.
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: ProcessOptions,
): Promise<ProcessRun> {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const pid = child.pid;
    if (pid !== undefined) live.add(pid);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) killGroup(pid);
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(killer);
      if (pid !== undefined) live.delete(pid);
      reject(error);
    });
    child.on('close', (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      clearTimeout(killer);
      if (pid !== undefined) {
        // Anything the child left behind in its group goes too.
        killGroup(pid);
        live.delete(pid);
      }
      resolvePromise({ code, signal, stdout, stderr, wallMs, timedOut });
    });
  });
}

/** Median of a non-empty list (mean of the two middle values for an even count); NaN if empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Nearest-rank percentile, unrounded. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}

export function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

export function ratio(value: number, baseline: number): string {
  return Number.isFinite(value) && Number.isFinite(baseline) && baseline !== 0
    ? `${(value / baseline).toFixed(2)}x`
    : 'n/a';
}

/** A Markdown table, so the output can be pasted into BENCHMARKS.md as it is. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [
    line(headers),
    `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`,
    ...rows.map(line),
  ].join('\n');
}

export function heading(text: string): void {
  process.stdout.write(`\n## ${text}\n\n`);
}

export function print(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** The machine the figures come from. */
export function machine(): string[] {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  if (existsSync('/proc/cpuinfo')) {
    const model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (model) cpu = model[1]!.trim();
  }
  return [
    `node ${process.version} (${process.execPath})`,
    `${os.type()} ${os.release()} ${os.arch()}`,
    `CPU: ${cpu}; nproc ${os.availableParallelism()}`,
    `memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `load average at start: ${loadAverage()} (other processes share these cores)`,
  ];
}

/** 1, 5 and 15 minute load averages: on 2 cores, anything above ~1 means we were not alone. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');
}

/** An environment with nothing of the runner in it: no GITHUB_*, no INPUT_*, no NODE_OPTIONS. */
export function bareEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...extra };
  if (process.env.HOME !== undefined) env.HOME = process.env.HOME;
  return env;
}

/** The load benchmark's set-up, shared by bench/load.ts and bench/load-worker.ts. */
export const LOAD = { hops: 3, requests: 2000, concurrency: 50, warmup: 200, verifyRuns: 7 };

/** What one load worker reports. */
export interface LoadResult {
  mode: 'traced' | 'untraced' | 'stock';
  requests: number;
  wallMs: number;
  throughput: number;
  p50: number;
  p99: number;
  max: number;
  cpuMsPerRequest: number;
  maxRssMiB: number;
  /** Stock only: spans ended (and dropped) per request in the measured batch. */
  spansPerRequest?: number;
  /** Traced only. */
  spans?: number;
  spanWaitMs?: number;
  collectMs?: number;
  verifyMs?: number[];
  verdict?: string;
}
