// Part 3b of the receiver benchmark (`bench/receiver.ts`): the longest event-loop block, and the
// longest stretch of main-thread CPU, while one ~16 MB batch is received, decoded and stored.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { startReceiver } from '../src/receiver';
import { fixed } from './lib';

/** Posts a body file with `bench/ingest-sender.ts`; the sender's elapsed milliseconds. */
export type SendFile = (
  transport: string,
  port: number,
  file: string,
) => Promise<{ elapsedMs: number }>;

/**
 * The longest stretch of main-thread CPU time between two turns of the event loop (a 1 ms timer
 * chain): unlike the event-loop delay, time the process waits for a core on a loaded machine does
 * not count, only work done on the loop's thread (our code, and the collector's pauses there).
 */
function threadBlockMonitor(): { stop: () => number } {
  let last = process.threadCpuUsage();
  let longest = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    const now = process.threadCpuUsage();
    longest = Math.max(longest, (now.user - last.user + now.system - last.system) / 1000);
    last = now;
    timer = setTimeout(tick, 1);
  };
  timer = setTimeout(tick, 1);
  return {
    stop: () => {
      clearTimeout(timer);
      return longest;
    },
  };
}

const floodBodies: ({ bytes: Buffer; spans: number } | undefined)[] = [];
export const FLOOD_BYTES = 16 * 1024 * 1024 - 1024;

/** A flood body made by a child process (this script with `--write-flood`), read back. */
async function buildFlood(json: boolean, file: string): Promise<{ bytes: Buffer; spans: number }> {
  const script = join(import.meta.dirname, 'receiver.ts');
  const args = ['--import', 'tsx', script, '--write-flood', json ? 'json' : 'proto', file];
  const { stdout } = await promisify(execFile)(process.execPath, args, { encoding: 'utf8' });
  return { bytes: readFileSync(file), spans: Number(stdout.trim()) };
}

/** The longest event-loop block while one ~16 MB batch is received, decoded and stored. */
export async function longestBlock(json: boolean, send: SendFile): Promise<string[]> {
  const folder = mkdtempSync(join(tmpdir(), 'receiver-bench-'));
  const file = join(folder, 'body');
  // Built by a child process (once per encoding): building it here left hundreds of MB of garbage
  // for the collector to clear while the batch was being measured.
  floodBodies[json ? 1 : 0] ??= await buildFlood(json, join(folder, 'flood'));
  const body = floodBodies[json ? 1 : 0]!;
  writeFileSync(file, body.bytes);
  const receiver = await startReceiver({ httpPort: 0, grpcPort: 'disabled', maxSpans: 10_000_000 });
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  try {
    histogram.enable();
    const threadBlock = threadBlockMonitor();
    const { elapsedMs } = await send(json ? 'file-json' : 'file-proto', receiver.httpPort, file);
    const longestThreadCpu = threadBlock.stop();
    histogram.disable();
    const stored = receiver.stats().acceptedSpans;
    if (stored !== body.spans) throw new Error(`stored ${stored} of ${body.spans} spans`);
    return [
      json ? 'OTLP/JSON' : 'OTLP/protobuf',
      fixed(body.bytes.length / 1024 / 1024, 1),
      body.spans.toLocaleString('en'),
      fixed(elapsedMs, 0),
      fixed(histogram.max / 1e6, 0),
      fixed(longestThreadCpu, 0),
    ];
  } finally {
    histogram.disable();
    await receiver.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
