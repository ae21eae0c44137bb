// How the target-mode verification grows with the number of spans: 1k, 10k, 100k and 1M spans,
// each size measured in its own process (so peak memory is that size's alone), in two shapes:
// one probe whose trace holds every span, and many probes of 100-span traces. The spans take the
// real path: services' export batches (512 spans, OTLP/protobuf, the attributes OpenTelemetry JS's
// HTTP instrumentation writes) go through the receiver's decoder into its span store, and the
// stored records are what `verifyTarget` judges. The per-span cost is quoted against the 1k case
// of the same shape timed in the same process: flat means linear. Memory is quoted against the
// raw span data, the OTLP/protobuf bytes the services sent.
// Usage: node --import tsx bench/verify-scale.ts [sizes, default 1000,10000,100000,1000000]
// Knobs: VERIFY_SCALE_SHAPES=one-trace|many-traces (default both); VERIFY_SCALE_PROFILE=<path
// prefix> writes a CPU profile of the timed verifications of each size (no 1k runs in between);
// VERIFY_SCALE_ROUNDS=<n> (default 1) measures every size n times, in turn, and quotes the
// medians; VERIFY_SCALE_BEFORE=<checkout>[,<checkout>...] also measures those checkouts'
// `verifyTarget` and receiver (same spans, each in its own processes, alternating with this one's)
// for a before / after table.
// Method (BENCHMARKS.md, Part 4, seventh round): the process of a size larger than the first
// (the baseline, 1k) also receives the baseline's spans and times blocks of baseline runs before
// each of its own timed runs and after the last, so that both figures come from the same seconds
// of a shared machine; the per-span ratio is taken per process (per round), and the rounds'
// median ratio is quoted beside the ratio of the medians. The baseline also runs in a process of
// its own (its row). Each process compiles the receiver and the verifier first (warm-up); from
// 100k spans on, every timed verification starts after a full collection and a pause for the
// collector's background threads to finish, so no garbage of the receiver or of the previous run
// is collected inside a timed run; the collections that still happen inside the timed runs (the
// verifier's own) are counted and their pauses shown.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inTurn, spread } from './verify-scale/order';
import { type Files, measure, type Row } from './verify-scale/measure';
import type { Shape } from './verify-scale/traces';

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    await measure(JSON.parse(process.argv[3]!) as Files);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'verify-scale-'));
  try {
    await table(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One measuring process: `files` received and verified by `verifier` (this checkout's if undefined). */
async function child(files: Files, verifier: string | undefined): Promise<Row> {
  // Node's default heap limit, as the action runs.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      'tsx',
      import.meta.filename,
      '--child',
      JSON.stringify({ ...files, verifier }),
    ],
    { encoding: 'utf8', timeout: 600_000 },
  );
  return JSON.parse(stdout.trim()) as Row;
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Per-span CPU of a process's own size over that of the baseline timed in it. */
const pairedRatio = (row: Row): number =>
  row.ms / row.size / (row.paired!.during / row.paired!.size);

async function table(dir: string): Promise<void> {
  const sizes = (process.argv[2] ?? '1000,10000,100000,1000000').split(',').map(Number);
  const rounds = Number(process.env['VERIFY_SCALE_ROUNDS'] ?? 1);
  const beforeTrees = process.env['VERIFY_SCALE_BEFORE']?.split(',') ?? [];
  const verifiers: (string | undefined)[] = [undefined, ...beforeTrees];
  console.log(
    `target verification by number of spans, one process per size, node ${process.version}, ${rounds} round(s)${beforeTrees.length === 0 ? '' : `, before = ${beforeTrees.join(', ')}`}`,
  );
  console.log(
    'raw span data = the OTLP/protobuf bytes the services exported; stored = JS heap the ' +
      "receiver's span records and index hold; peak over base = the process's peak RSS minus its " +
      'RSS before any span (receiver and verifier together); GC = collections that began inside ' +
      'the timed verifications (pause ms and major collections, per verification); 1k in ' +
      "process = the baseline's CPU ms timed in the same process, before the size's spans were " +
      'received / between its timed runs / after they were let go; vs 1k = per-span cost against ' +
      "the 1k runs between (the median of the rounds' ratios; the ratio of the medians; against " +
      "the 1k row's own process)\n",
  );
  // `VERIFY_SCALE_SHAPES=many-traces`: one shape only.
  const shapes = (process.env['VERIFY_SCALE_SHAPES'] ?? 'one-trace,many-traces').split(',');
  // The sender's side, loaded in this process only (see `checkout`).
  const { build, MANY_TRACE_SPANS } = await import('./verify-scale/traces');
  for (const shape of shapes as Shape[]) {
    console.log(
      `${shape === 'one-trace' ? 'one probe, one trace of every span' : `many probes, one trace of ${MANY_TRACE_SPANS} spans each`}:\n`,
    );
    // By verifier, then size: the rows of every round.
    const rows = verifiers.map(() => sizes.map((): Row[] => []));
    for (let round = 0; round < rounds; round += 1) {
      const files = sizes.map((size): Files => ({
        warm: join(dir, 'warm.bin'),
        warmProbes: join(dir, 'warm.json'),
        spans: join(dir, `spans-${size}.bin`),
        probes: join(dir, `probes-${size}.json`),
      }));
      writeFileSync(files[0]!.warmProbes, JSON.stringify(build(4000, shape, files[0]!.warm)));
      for (const [index, size] of sizes.entries()) {
        const { probes, spans } = files[index]!;
        writeFileSync(probes, JSON.stringify(build(size, shape, spans)));
        if (index > 0) files[index]!.pair = { spans: files[0]!.spans, probes: files[0]!.probes };
      }
      // One process per size and verifier; the verifiers alternate first and last by round, the
      // small sizes before the large ones in even rounds and after them in odd ones.
      for (const index of spread(sizes, 1, round)) {
        for (const [which, verifier] of inTurn(verifiers, round))
          rows[which]![index]!.push(await child(files[index]!, verifier));
      }
    }
    printTable(sizes, verifiers, rows);
  }
}

/** The table of one shape: by verifier, then size, each size's median round. */
function printTable(sizes: number[], verifiers: (string | undefined)[], rows: Row[][][]): void {
  console.log(
    '| verifier | spans | probes | verify CPU ms (median) | CPU ms by round | wall ms (median) | GC pause ms / major GCs per run | ns per span | 1k in process ms (before / between / after, median round) | vs 1k: median of rounds (by round) | vs 1k: ratio of medians | vs 1k process | raw span data (protobuf) MiB | stored MiB | stored / raw | RSS once stored MiB | peak RSS while receiving MiB | peak RSS MiB | peak over base MiB | peak over base / raw |\n' +
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  const summary: string[] = [];
  for (const [which, verifier] of verifiers.entries()) {
    const name = verifier ?? 'this checkout';
    const baseRuns = rows[which]![0]!;
    const base = median(baseRuns.map((r) => r.ms)) / baseRuns[0]!.size;
    for (const [index, runs] of rows[which]!.entries()) {
      // The round with the median CPU time stands for the size; its memory figures with it.
      const row = [...runs].sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)]!;
      const perSpan = (row.ms * 1e6) / row.size;
      const overBase = row.peakRssMiB - row.baseRssMiB;
      // Below a MiB the heap's own noise (a collection during the warm-up) is larger than the data.
      const stored =
        row.storedMiB < 1
          ? '< 1 | -'
          : `${row.storedMiB.toFixed(1)} | ${(row.storedMiB / row.protobufMiB).toFixed(2)}`;
      let paired = '- | - | -';
      if (row.paired !== undefined) {
        const ratios = runs.map(pairedRatio);
        const during = median(runs.map((r) => r.paired!.during));
        const ofMedians = median(runs.map((r) => r.ms)) / row.size / (during / row.paired.size);
        const { before, after } = row.paired;
        paired = `${before.toFixed(2)} / ${row.paired.during.toFixed(2)} / ${after.toFixed(2)} | **${median(ratios).toFixed(2)}** (${ratios.map((r) => r.toFixed(2)).join(', ')}) | ${ofMedians.toFixed(2)}`;
        if (index === sizes.length - 1)
          summary.push(
            `${name}: ${row.size.toLocaleString('en')} spans against 1k in the same process: ${median(ratios).toFixed(2)}x (median of rounds; ratio of medians ${ofMedians.toFixed(2)}x; goal under 1.3x)`,
          );
      }
      console.log(
        `| ${name} | ${row.size.toLocaleString('en')} | ${row.probes.toLocaleString('en')} | ${row.ms.toFixed(2)} | ${runs.map((r) => r.ms.toFixed(row.ms < 10 ? 2 : 0)).join(', ')} | ${row.wallMs.toFixed(2)} | ${row.gcPauseMs.toFixed(1)} / ${row.majorGcs.toFixed(1)} | ${perSpan.toFixed(0)} | ${paired} | ${(perSpan / 1e6 / base).toFixed(2)} | ${row.protobufMiB.toFixed(1)} | ${stored} | ${row.storedRssMiB.toFixed(0)} | ${row.receivingPeakRssMiB.toFixed(0)} | ${row.peakRssMiB.toFixed(0)} | ${overBase.toFixed(0)} | ${(overBase / row.protobufMiB).toFixed(2)} |`,
      );
    }
  }
  console.log(`\n${summary.join('\n')}\n`);
}

void main();
