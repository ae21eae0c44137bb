/**
 * What must happen if the action is told to stop (a cancelled job sends SIGINT, then SIGTERM) or
 * exits early: stop what it started. Each cleanup registers here while its processes run; while
 * any is registered, SIGINT and SIGTERM run them (last registered first) and then end the action
 * with the same signal, and a bare exit kills what is left.
 */

interface Cleanup {
  /** Stops gracefully, bounded by the cleanup itself. */
  graceful: () => Promise<void>;
  /** Kills at once, synchronously: for a second signal or a process exit. */
  immediate: () => void;
}

const cleanups: Cleanup[] = [];
let signalled = false;

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
 * runs). For an adapter's own signal handler; the handler installed here calls it too.
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

function onSignal(signal: NodeJS.Signals): void {
  if (signalled) {
    // Asked twice: no more grace.
    killAllNow();
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  }
  signalled = true;
  void stopAll().finally(() => {
    uninstall();
    // Ends the action as the signal would have, now that nothing it started is left.
    process.kill(process.pid, signal);
  });
}

function install(): void {
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', killAllNow);
}

function uninstall(): void {
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('exit', killAllNow);
}
