/**
 * A cancelled job: the runner sends SIGINT, then SIGTERM, then kills. On the first signal the
 * adapter reports what it has (summary, outputs), the services it started are stopped, and the
 * process exits within STOP_BOUND_MS of the signal whatever the run was awaiting. In-process
 * servers (the chain, the receiver) end with the process; the services target mode started stop
 * gracefully (SIGTERM) within the bound and are killed (SIGKILL) when the process exits.
 */

import { stopAll as stopLaunchedServices } from '../modes/target/cancel';

/** The whole of the reaction to a signal: report, stop, exit. Under the 2 s a job is promised. */
const STOP_BOUND_MS = 1500;

type Stop = () => unknown;

/**
 * Until the returned function is called, SIGINT and SIGTERM run `report` (given the signal's
 * name), stop the services target mode started, and exit with `exitCode`. A second signal exits at once.
 */
export function onCancelSignal(
  report: (signal: NodeJS.Signals) => Promise<void> | void,
  exitCode: number,
): () => void {
  let cancelled = false;
  const handle = (signal: NodeJS.Signals): void => {
    if (cancelled) process.exit(exitCode);
    cancelled = true;
    setTimeout(() => process.exit(exitCode), STOP_BOUND_MS);
    void settleAll([() => report(signal), stopLaunchedServices]).finally(() =>
      process.exit(exitCode),
    );
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
  return () => {
    process.off('SIGINT', handle);
    process.off('SIGTERM', handle);
  };
}

/** Runs each step in turn; a step that throws does not keep the others from running. */
async function settleAll(steps: readonly Stop[]): Promise<void> {
  for (const step of steps) {
    try {
      await step();
    } catch {
      // Best effort: the process exits next, whatever failed to stop cleanly.
    }
  }
}
