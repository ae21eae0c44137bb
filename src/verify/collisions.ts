import type { SpanRecord } from './types';

/**
 * The ids two services exported. A span exported twice by its own service (a retry, a re-export
 * with another end time) is one span. `firstOf`: the position of the first span of each id.
 */
export function findCollisions(
  spans: readonly SpanRecord[],
  firstOf: Int32Array,
): Map<string, string[]> {
  const collisions = new Map<string, string[]>();
  for (let position = 0; position < spans.length; position += 1) {
    const first = firstOf[position]!;
    if (first === position) continue;
    const known = spans[first]!;
    const span = spans[position]!;
    if (known.service === span.service) continue;
    const services = collisions.get(span.spanId) ?? [known.service];
    if (!services.includes(span.service)) services.push(span.service);
    collisions.set(span.spanId, services);
  }
  return collisions;
}
