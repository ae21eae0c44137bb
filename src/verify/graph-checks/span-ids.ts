import type { CheckContext, CheckResult } from './context';

/**
 * Span ids are unique in the trace: two services exporting the same span id make every parent
 * link to it ambiguous (a backend, and this check, cannot tell which one is the parent).
 */
export function spanIdsUnique(ctx: CheckContext): CheckResult {
  const collisions = ctx.probe.component.flatMap((graph) => [...graph.collisions]);
  return {
    finding: {
      check: 'span_ids_unique',
      title: "no two services exported the same span id in the probe's trace",
      expected: '0 duplicate span ids',
      observed: collisions.length
        ? collisions.map(([id, services]) => `${id}: ${services.join(', ')}`).join('; ')
        : '0 duplicate span ids',
      passed: collisions.length === 0,
    },
    diagnoses: collisions.map(
      ([id, services]) =>
        `${services.join(', ')}: each exported span id ${id} in the same trace: their id generator is not random (a fixed seed, or a custom IdGenerator), so parent links to that id are ambiguous.`,
    ),
  };
}
