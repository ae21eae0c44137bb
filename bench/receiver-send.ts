// The sender process of the receiver benchmark (bench/receiver.ts), and the order of its sides in
// a round.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { median } from './lib';

const SENDER = join(import.meta.dirname, 'ingest-sender.ts');

export interface Sent {
  elapsedMs: number;
  startedAtEpochMs: number;
  endedAtEpochMs: number;
}

/**
 * Runs the sender; `onReady` runs once it built its bodies, just before it is told to go, so a
 * caller's CPU clock skips spawning it (4 to 6 ms of this process's CPU per round, about 4 % of
 * ingesting a round, charged to ours and the peer but not to decode-only).
 */
export async function send(
  transport: string,
  port: number,
  what: string,
  onReady: () => void = () => {},
): Promise<Sent> {
  const env = { ...process.env, SENDER_WAIT_FOR_GO: '1' };
  const args = ['--import', 'tsx', SENDER, transport, String(port), what];
  const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const timer = setTimeout(() => child.kill(), 180_000);
  try {
    let stdout = '';
    let told = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      stdout += text;
      if (!told && stdout.startsWith('ready\n')) {
        told = true;
        onReady();
        child.stdin.end('go\n');
      }
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0 || !told) throw new Error(`the sender exited with ${code}: ${stdout}`);
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as Sent;
  } finally {
    clearTimeout(timer);
  }
}

/** The sides of one round of a row: ours, the peer, ours with gzip, decode-only. */
export type Side = 'ours' | 'peer' | 'gzip' | 'decode';

/**
 * The order of round `round`'s sides. What a side leaves behind (garbage, a collection under
 * way) is paid partly by the side after it, so a place in the round is not neutral: with the
 * same uncompressed work on both sides, the place after the peer read 0.81x to 0.91x the place
 * after decode-only (BENCHMARKS, "Part 3, gzip JSON and varied HTTP"). With gzip always after the
 * peer, gzip/ours compared two places, not two encodings. Ours and gzip now swap places every
 * other round (see pairedRatio); the peer and decode-only keep theirs.
 */
export function roundOrder(round: number): readonly Side[] {
  return round % 2 === 0 ? ['ours', 'peer', 'gzip', 'decode'] : ['gzip', 'peer', 'ours', 'decode'];
}

/**
 * `a` against `b` over rounds taken two by two (see roundOrder): in each pair, the geometric mean
 * of the two rounds' ratios, in which each side held each place once, so what a place adds or
 * takes cancels; then the median over the pairs. An odd last round is left out.
 */
export function pairedRatio<T>(
  a: readonly T[],
  b: readonly T[],
  value: (each: T) => number,
): number {
  const pairs: number[] = [];
  for (let round = 0; round + 1 < Math.min(a.length, b.length); round += 2) {
    const even = value(a[round]!) / value(b[round]!);
    const odd = value(a[round + 1]!) / value(b[round + 1]!);
    pairs.push(Math.sqrt(even * odd));
  }
  return median(pairs);
}
