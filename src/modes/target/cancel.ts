/**
 * What must happen if the action is told to stop (a cancelled job sends SIGINT, then SIGTERM) or
 * exits early: stop what it started. Each cleanup registers here while its processes run. The
 * adapter's signal handler (src/runner/cancel.ts) runs `stopAll` within its exit bound; a process
 * exit, by the adapter or otherwise, kills what is left at once.
 */

interface Cleanup {
  /** Stops gracefully, bounded by the cleanup itself. */
  graceful: () => Promise<void>;
  /** Kills at once, synchronously: for a second signal or a process exit. */
  immediate: () => void;
}

const cleanups: Cleanup[] = [];

/** Registers a cleanup; returns the function that unregisters it (when it ran normally). */
export function onCancel(
  graceful: () => Promise<void>,
  immediate: () => void = () => {},
): () => void {
  const cleanup = { graceful, immediate };
  cleanups.push(cleanup);
  if (cleanups.length === 1) install();
  return () => {
    const index = cleanups.indexOf(cleanup);
    if (index !== -1) cleanups.splice(index, 1);
    if (cleanups.length === 0) uninstall();
  };
}

/**
 * Runs every registered cleanup, last registered first (services stop before their teardown
 * runs). The adapter's signal handler calls it.
 */
export async function stopAll(): Promise<void> {
  for (const cleanup of [...cleanups].reverse()) {
    try {
      await cleanup.graceful();
    } catch {
      // A cleanup that fails must not keep the others from running.
    }
  }
}

function killAllNow(): void {
  for (const cleanup of cleanups) cleanup.immediate();
}

function install(): void {
  process.on('exit', killAllNow);
}

function uninstall(): void {
  process.off('exit', killAllNow);
}
