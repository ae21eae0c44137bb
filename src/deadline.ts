/** Thrown when the run's time bound passes; the message says what was being waited for. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** One bound for the whole run. Every wait goes through it, so nothing waits forever. */
export class Deadline {
  private readonly expiresAt: number;

  constructor(private readonly totalMs: number) {
    this.expiresAt = Date.now() + totalMs;
  }

  elapsedMs(): number {
    return this.totalMs - this.remainingMs();
  }

  remainingMs(): number {
    return Math.max(0, this.expiresAt - Date.now());
  }

  /** Settles with `work`, or rejects with a TimeoutError naming `what` when time runs out first. */
  async race<T>(work: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TimeoutError(
              `Timed out after ${this.totalMs / 1000} s (input 'timeout') waiting for ${what}.`,
            ),
          ),
        this.remainingMs(),
      );
    });
    try {
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Polls `ready` every few milliseconds until it holds, `capMs` passes, or the run's time ends. */
  async until(ready: () => boolean, capMs: number): Promise<boolean> {
    const stopAt = Date.now() + Math.min(capMs, this.remainingMs());
    while (!ready()) {
      if (Date.now() >= stopAt) return false;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return true;
  }
}
