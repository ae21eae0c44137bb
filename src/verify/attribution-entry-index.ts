import type { State } from './attribution-state';
import { sweepTo, timeSweep } from './attribution-sweep';

/**
 * Rule 5's candidates (`entryNotJoined`): the probes whose entry did not join, that have a
 * status, in flight at a server root. Every root read every probe (probes x roots); now only the
 * probes whose entry did not join, and, breaks coming in start order, swept as rule 3's callers
 * are (`TimeSweep`, by the time each probe was sent): a probe leaves the sweep once ended, or
 * once its entry explains a break.
 */

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
  state.unjoinedSweep ??= timeSweep(
    state.unjoined,
    (index) => state.probes[index]!.probe.startMs,
    (index) => state.probes[index]!.probe.endMs,
    skew,
  );
  return (
    sweepTo(state.unjoinedSweep, at, (index) => !state.entries.has(String(index))) ?? state.unjoined
  );
}
