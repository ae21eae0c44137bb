// Which checkout's verifier and receiver a measuring process of bench/verify-scale.ts loads.
import { resolve } from 'node:path';
import type { TargetInput, TargetVerification } from '../../src/verify/target';
import type { receive as Receive } from './receive';

export type VerifyTarget = (input: TargetInput) => TargetVerification;

/**
 * `verifyTarget` and the receiver of checkout `tree` (this one's when undefined), loaded only
 * here, so that a measuring process holds one checkout's modules:
 * - the receiver must be the verifier's own: the store marks its snapshots with the columns of
 *   its own `span-columns` module, which a verifier of another checkout cannot see (given this
 *   checkout's store, a before copy of `eb69502` took its span-object path, not its columns);
 * - with this checkout's receiver and sender loaded beside a before copy's (unused), the before
 *   copy's 1k verification measured about twice its cost in a process of its own (BENCHMARKS.md,
 *   Part 4, sixth round).
 */
export async function checkout(
  tree: string | undefined,
): Promise<{ verifyTarget: VerifyTarget; receive: typeof Receive }> {
  const root = tree ?? resolve(import.meta.dirname, '../..');
  const { verifyTarget } = (await import(resolve(root, 'src/verify/target.ts'))) as {
    verifyTarget: VerifyTarget;
  };
  const { receive } = (await import(resolve(root, 'bench/verify-scale/receive.ts'))) as {
    receive: typeof Receive;
  };
  return { verifyTarget, receive };
}
