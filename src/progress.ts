/**
 * The one phase tracker of a run, for two readers. What the running check has observed so far, for a run that ends without a verdict (a timeout,
 * a cancelled job): the report says how far it got. The modes update it as they go; the adapters
 * read one snapshot when the run ends early. And, for the benchmarks (bench/services-verdict.ts),
 * with PROPAGATION_CHECK_TIMINGS=1 the run prints as it exits one line of milliseconds since its
 * process started at the end of each phase it marked with `ended`. One run per process, so one
 * module-level record.
 */
export interface ProgressSnapshot {
  /** What the run was doing, in the user's words: `sending the probes`. */
  phase: string;
  /** Probe requests the run meant to send, and how many were answered (any HTTP status). */
  requestsPlanned: number;
  requestsAnswered: number;
  /** Services that exported at least one span. */
  servicesSeen: string[];
  spansReceived: number;
}

/** Where the live counts come from: the tracing of the self-test, or target mode's receiver. */
export interface SpanSource {
  services(): string[];
  spanCount(): number;
}

let phase = 'reading the inputs';
let requestsPlanned = 0;
let requestsAnswered = 0;
let spanSource: SpanSource | undefined;
const marks: [string, number][] = [];
const timingsWanted = process.env.PROPAGATION_CHECK_TIMINGS === '1';

export const progress = {
  /** A new phase of the run; `planned` when the probes' count is known. */
  phase(name: string, planned?: number): void {
    phase = name;
    if (planned !== undefined) requestsPlanned = planned;
  },
  requestAnswered(): void {
    requestsAnswered += 1;
  },
  /** The phase `key` (`receiver`, `probes`) ended now: a mark for the timings line. */
  ended(key: string): void {
    if (!timingsWanted) return;
    if (marks.length === 0) process.once('exit', printMarks);
    marks.push([key, performance.now()]);
  },
  watchSpans(source: SpanSource): void {
    spanSource = source;
  },
  snapshot(): ProgressSnapshot {
    let servicesSeen: string[] = [];
    let spansReceived = 0;
    try {
      servicesSeen = spanSource?.services() ?? [];
      spansReceived = spanSource?.spanCount() ?? 0;
    } catch {
      // The source was already shut down: report what the counters hold.
    }
    return { phase, requestsPlanned, requestsAnswered, servicesSeen, spansReceived };
  },
};

function printMarks(): void {
  marks.push(['exit', performance.now()]);
  const fields = marks.map(([name, at]) => `${name}=${Math.round(at)}`);
  process.stderr.write(`propagation-check timings (ms since start): ${fields.join(' ')}\n`);
}
