import type { CheckContext, CheckResult } from './context';

// Ids and services are the services' own: a broken id generator can repeat thousands of ids, so
// the finding names a few of each and counts the rest.
const IDS_NAMED = 5;
const SERVICES_NAMED = 5;

/**
 * Span ids are unique in the trace: two services exporting the same span id make every parent
 * link to it ambiguous (a backend, and this check, cannot tell which one is the parent).
 */
export function spanIdsUnique(ctx: CheckContext): CheckResult {
  const collisions = ctx.probe.component.flatMap((graph) => [...graph.collisions]);
  const named = collisions.slice(0, IDS_NAMED);
  const more = collisions.length - named.length;
  return {
    finding: {
      check: 'span_ids_unique',
      title: "no two services exported the same span id in the probe's trace",
      expected: '0 duplicate span ids',
      observed: collisions.length
        ? named.map(([id, services]) => `${id}: ${serviceList(services)}`).join('; ') +
          (more > 0 ? `; and ${more} more duplicate span ${more === 1 ? 'id' : 'ids'}` : '')
        : '0 duplicate span ids',
      passed: collisions.length === 0,
    },
    diagnoses: named.map(
      ([id, services]) =>
        `${serviceList(services)}: each exported span id ${id} in the same trace: their id generator is not random (a fixed seed, or a custom IdGenerator), so parent links to that id are ambiguous.`,
    ),
  };
}

function serviceList(services: readonly string[]): string {
  const left = services.length - SERVICES_NAMED;
  const shown = services.slice(0, SERVICES_NAMED).join(', ');
  return left > 0 ? `${shown} and ${left} more` : shown;
}
