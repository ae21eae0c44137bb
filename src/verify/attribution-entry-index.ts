import type { State } from './attribution-state';

/**
 * Rule 5's candidates (`entryNotJoined`): the probes whose entry did not join, that have a
 * status, in flight at a server root. Every root read every probe (probes x roots); now only the
 * probes whose entry did not join, and, breaks coming in start order, swept as rule 3's
 * callers are: a probe is admitted once a root begins within the skew after it was sent, and
 * dropped for good once a root begins more than the skew after it ended, or once its entry
 * explains a break.
 */
export interface UnjoinedSweep {
  /** The unjoined probes (indexes) that can be in flight at some moment, by start (stable). */
  sorted: number[];
  admitted: number;
  /** Admitted, not ended (within the skew) nor used, at the last root. */
  active: number[];
  last: number;
}

/**
 * The unjoined probes that may be in flight at `at`: the sweep's (in no order), or every one in
 * probe order when the breaks are not in start order, or the skew or `at` is no finite number.
 */
export function unjoinedAt(state: State, at: number): readonly number[] {
  state.unjoined ??= state.probes.flatMap((probe, index) =>
    probe.entrySpans.length > 0 || probe.probe.status === undefined ? [] : [index],
  );
  const skew = state.skewMs;
  if (!state.inStartOrder || !Number.isFinite(skew) || !Number.isFinite(at)) return state.unjoined;
  const sweep = (state.unjoinedSweep ??= sweepOf(state.unjoined, state));
  if (!(at >= sweep.last)) return state.unjoined;
  sweep.last = at;
  const { sorted, active } = sweep;
  for (; sweep.admitted < sorted.length; sweep.admitted += 1) {
    const index = sorted[sweep.admitted]!;
    if (!(state.probes[index]!.probe.startMs - skew <= at)) break;
    active.push(index);
  }
  let kept = 0;
  for (const index of active) {
    if (!(at <= state.probes[index]!.probe.endMs + skew)) continue;
    if (state.entries.has(String(index))) continue;
    active[kept++] = index;
  }
  active.length = kept;
  return active;
}

function sweepOf(unjoined: readonly number[], state: State): UnjoinedSweep {
  const skew = state.skewMs;
  const sent = (index: number): number => state.probes[index]!.probe.startMs;
  // In flight at no moment (a time that is no number, or an end before the start): never within.
  const sorted = unjoined.filter((index) => {
    const probe = state.probes[index]!.probe;
    return probe.startMs - skew <= probe.endMs + skew;
  });
  sorted.sort((a, b) => sent(a) - sent(b));
  return { sorted, admitted: 0, active: [], last: -Infinity };
}
