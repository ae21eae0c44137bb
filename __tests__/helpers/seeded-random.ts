/**
 * mulberry32: a small seeded generator for the seeded tests (the differentials, the receiver's
 * model and body-reuse tests), so a failure can be replayed with its seed (DIFFERENTIAL_SEED,
 * MODEL_SEED).
 */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (below: number): number => Math.floor(random() * below);
  const chance = (p: number): boolean => random() < p;
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { random, int, chance, pick };
}
