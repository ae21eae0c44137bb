// How the target-mode verification grows with the size of the probe's trace: 1k, 10k, 100k and
// 1M spans, each size measured in its own process (so peak memory is that size's alone). The
// per-span cost is quoted against the 1k trace measured in the same run: flat means linear.
// Usage: node --import tsx bench/verify-scale.ts [sizes, default 1000,10000,100000,1000000]
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import { verifyTarget } from '../src/verify/target';
import type { SpanRecord } from '../src/verify/types';

const PROBE_TRACE = '0123456789abcdef0123456789abcdef';
const PROBE_SPAN = 'fedcba9876543210';
const SERVICES = 20;

/**
 * A probe trace of about `size` spans: each service's server span makes 4 client calls, each
 * answered by a server span of another service, breadth first, as a fan-out of real services.
 */
function trace(size: number): SpanRecord[] {
  const spans: SpanRecord[] = [];
  let id = 1;
  const nextId = (): string => (id++).toString(16).padStart(16, '0');
  const make = (
    service: number,
    kind: SpanRecord['kind'],
    parent: string,
    at: number,
  ): SpanRecord => ({
    traceId: PROBE_TRACE,
    spanId: nextId(),
    parentSpanId: parent,
    parentIsRemote: kind === 'server' ? true : false,
    name: 'GET /work',
    kind,
    service: `service-${service % SERVICES}`,
    // Children start after their parent and end before it, as a synchronous call does: 1M
    // spans fit in one second, each nested inside the one that called it.
    startTimeMs: 1000 + at / 1e3,
    endTimeMs: 3000 - at / 1e3,
    attributes: {
      'server.port': 8000 + (service % SERVICES),
      'url.path': '/work',
      'http.request.method': 'GET',
    },
  });
  const queue = [make(0, 'server', PROBE_SPAN, 0)];
  spans.push(queue[0]!);
  for (let head = 0; spans.length < size; head += 1) {
    const server = queue[head]!;
    for (let call = 0; call < 4 && spans.length < size; call += 1) {
      const client = make(Number(server.service.slice(8)), 'client', server.spanId, spans.length);
      const callee = make(
        Number(server.service.slice(8)) + call + 1,
        'server',
        client.spanId,
        spans.length,
      );
      spans.push(client, callee);
      queue.push(callee);
    }
  }
  return spans;
}

function verify(spans: SpanRecord[]): void {
  const result = verifyTarget({
    probes: [
      {
        index: 1,
        traceId: PROBE_TRACE,
        spanId: PROBE_SPAN,
        startMs: 0,
        endMs: 10_000,
        status: 200,
        error: undefined,
      },
    ],
    spans,
    expectServices: ['service-0', 'service-1', 'service-4'],
    header: 'traceparent',
  });
  if (!result.passed) throw new Error(`the synthetic trace failed: ${result.failedChecks.join()}`);
}

/** In a child: build the trace, verify it `repeat` times, print ms per verification and RSS. */
function measure(size: number): void {
  verify(trace(2000)); // warm-up: compile the verifier before timing it
  const spans = trace(size);
  const baseline = process.memoryUsage().rss;
  const repeat = size >= 1_000_000 ? 3 : 5;
  const times: number[] = [];
  for (let index = 0; index < repeat; index += 1) {
    const started = performance.now();
    verify(spans);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const peakKiB = process.resourceUsage().maxRSS;
  process.stdout.write(
    `${JSON.stringify({ size: spans.length, ms: times[Math.floor(times.length / 2)], traceRssMiB: baseline / 2 ** 20, peakRssMiB: peakKiB / 1024 })}\n`,
  );
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    measure(Number(process.argv[3]));
    return;
  }
  const sizes = (process.argv[2] ?? '1000,10000,100000,1000000').split(',').map(Number);
  console.log(`target verification by trace size, one process per size, node ${process.version}\n`);
  console.log(
    '| spans | verify ms (median) | ns per span | per-span cost vs 1k | RSS after building the trace MiB | peak RSS MiB |',
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
  let base: number | undefined;
  for (const size of sizes) {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--max-old-space-size=8192',
        '--import',
        'tsx',
        import.meta.filename,
        '--child',
        String(size),
      ],
      { encoding: 'utf8', timeout: 300_000 },
    );
    const row = JSON.parse(stdout.trim()) as {
      size: number;
      ms: number;
      traceRssMiB: number;
      peakRssMiB: number;
    };
    const perSpan = (row.ms * 1e6) / row.size;
    base ??= perSpan;
    console.log(
      `| ${row.size.toLocaleString('en')} | ${row.ms.toFixed(1)} | ${perSpan.toFixed(0)} | ${(perSpan / base).toFixed(2)} | ${row.traceRssMiB.toFixed(0)} | ${row.peakRssMiB.toFixed(0)} |`,
    );
  }
}

void main();
