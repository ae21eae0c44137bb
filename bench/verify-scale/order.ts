// The order of the measuring processes of bench/verify-scale.ts.

/**
 * The verifiers with their indexes, the first one first in even rounds, last in odd ones: in
 * the fourth round's runs (BENCHMARKS.md), the first process after the files were written was
 * the one to see V8 start a full marking inside its timed runs (0.4 per run, then none in the
 * second process, even with the same code in both).
 */
export function inTurn<T>(verifiers: readonly T[], round: number): [number, T][] {
  const order = [...verifiers.entries()];
  return round % 2 === 1 ? order.reverse() : order;
}
