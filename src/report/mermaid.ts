import type { BrokenEdge, HopSummary, SpanRecord } from '../verify/types';
import { escapeMermaid } from './escape';

const BROKEN_STYLE = 'stroke:#d1242f,stroke-width:3px,color:#d1242f';
const EXTERNAL_STYLE = 'stroke:#8c959f,stroke-dasharray:3 3,color:#57606a';

/** Past this many services, a diagram draws the broken part and folds the hops that held. */
export const MAX_DRAWN_SERVICES = 6;
/**
 * The most nodes a diagram draws left to right. GitHub scales a diagram down to its 946 px
 * column: measured in Chromium (scripts/render-summary.mjs), the probe and 5 services in a row
 * drew their 16 px labels at 9.9 px, the probe and 2 at full size; past this, top-down.
 */
export const MAX_ROW_NODES = 4;

/**
 * The chain: the probe, then one node per service, one arrow per hop. A hop that failed for any
 * request is a dashed red arrow, and the service it reached is outlined in red. Past
 * MAX_DRAWN_SERVICES services, runs of hops that held fold into one node (GitHub scales a wide
 * diagram down to its column: 16 services in a row were 18 px high); past MAX_ROW_NODES nodes
 * (the probe, services and folds) the chain is drawn top-down.
 */
export function chainDiagram(services: readonly string[], hops: readonly HopSummary[]): string {
  const broken = new Set(hops.filter((hop) => hop.failed > 0).map((hop) => hop.hop));
  const shown = shownServices(services.length, broken);
  const folds = shown.filter((index, at) => (shown[at + 1] ?? index + 1) > index + 1).length;
  const nodes = 1 + shown.length + folds;
  const lines = [`flowchart ${nodes > MAX_ROW_NODES ? 'TB' : 'LR'}`, '  probe(["probe"])'];
  for (const index of shown) lines.push(`  n${index}["${escapeMermaid(services[index]!)}"]`);
  lines.push('  probe --> n0');
  shown.forEach((index, at) => {
    const next = shown[at + 1];
    if (next === undefined) return;
    if (next > index + 1) {
      const first = services[index + 1]!;
      const last = services[next - 1]!;
      const folded = next - index - 1;
      const names = folded === 1 ? first : `${first} … ${last}`;
      lines.push(
        `  f${index}[/"${escapeMermaid(`${names}: ${folded} service${folded === 1 ? '' : 's'}`)}<br/>hops ${index + 1}-${next} held"/]`,
        `  n${index} --> f${index} --> n${next}`,
      );
      return;
    }
    const hop = hops[index];
    if (hop === undefined || hop.failed === 0) {
      lines.push(`  n${index} -->|"hop ${index + 1}"| n${next}`);
      return;
    }
    const count = hop.passed + hop.failed > 1 ? ` in ${hop.failed}/${hop.passed + hop.failed}` : '';
    lines.push(`  n${index} -. "hop ${hop.hop}: context lost${count}" .-> n${next}`);
  });
  if (broken.size > 0) {
    lines.push(`  classDef broken ${BROKEN_STYLE}`);
    lines.push(`  class ${[...broken].map((hop) => `n${hop}`).join(',')} broken`);
  }
  return lines.join('\n');
}

/**
 * The services a diagram draws, by index: all of a short chain; of a long one the first, the last
 * and both ends of every broken hop.
 */
export function shownServices(count: number, brokenHops: ReadonlySet<number>): number[] {
  const all = Array.from({ length: count }, (_, index) => index);
  if (count <= MAX_DRAWN_SERVICES) return all;
  return all.filter(
    (index) =>
      index === 0 || index === count - 1 || brokenHops.has(index) || brokenHops.has(index + 1),
  );
}

/**
 * The spans of one request: one box per service, parent -> child arrows, and each broken hop drawn
 * as a dashed red arrow from the caller's client span to the callee's new root. Drawn top-down
 * past two services, so the spans of a long chain stack instead of shrinking; past
 * MAX_DRAWN_SERVICES services only the services of `services` shownServices keeps are drawn, and a
 * note says how many were left out.
 */
export function traceDiagram(
  spans: readonly SpanRecord[],
  brokenEdges: readonly BrokenEdge[],
  chain: readonly string[] = [...new Set(spans.map((s) => s.service))],
): string {
  const present = new Set(spans.map((s) => s.service));
  const order = [
    ...chain.filter((name) => present.has(name)),
    ...[...present].filter((name) => !chain.includes(name)),
  ];
  const kept = new Set(
    shownServices(order.length, new Set(brokenEdges.map((edge) => edge.hop))).map(
      (index) => order[index]!,
    ),
  );
  const drawn = spans.filter((span) => kept.has(span.service));
  const lines = [`flowchart ${order.length > 2 ? 'TB' : 'LR'}`];
  const ids = new Set(drawn.map((s) => s.spanId));
  [...kept].forEach((service, index) => {
    lines.push(`  subgraph svc${index}["${escapeMermaid(service)}"]`);
    for (const span of drawn.filter((s) => s.service === service)) {
      lines.push(
        `    ${node(span.spanId)}["${escapeMermaid(span.name)}<br/>${span.kind} ${span.spanId.slice(0, 8)}"]`,
      );
    }
    lines.push('  end');
  });
  const left = order.length - kept.size;
  if (left > 0) {
    lines.push(
      `  folded[/"${left} service${left === 1 ? '' : 's'} with ${spans.length - drawn.length} spans not drawn: every hop between them held; see the span table"/]`,
    );
  }
  const hidden = new Set(spans.filter((s) => !kept.has(s.service)).map((s) => s.spanId));
  const throughFold = new Set<string>();
  for (const span of spans) {
    const parent = span.parentSpanId;
    if (parent === undefined) continue;
    if (ids.has(parent) && ids.has(span.spanId)) {
      lines.push(`  ${node(parent)} --> ${node(span.spanId)}`);
    } else if (ids.has(parent) && hidden.has(span.spanId)) {
      throughFold.add(`  ${node(parent)} --> folded`);
    } else if (hidden.has(parent) && ids.has(span.spanId)) {
      throughFold.add(`  folded --> ${node(span.spanId)}`);
    }
  }
  lines.push(...throughFold);
  for (const edge of brokenEdges) {
    if (edge.fromSpanId !== undefined && ids.has(edge.fromSpanId) && ids.has(edge.toSpanId)) {
      lines.push(
        `  ${node(edge.fromSpanId)} -. "context lost (hop ${edge.hop})" .-> ${node(edge.toSpanId)}`,
      );
    }
  }
  const newRoots = brokenEdges.filter((edge) => ids.has(edge.toSpanId));
  if (newRoots.length > 0) {
    lines.push(`  classDef broken ${BROKEN_STYLE}`);
    lines.push(`  class ${newRoots.map((edge) => node(edge.toSpanId)).join(',')} broken`);
  }
  return lines.join('\n');
}

function node(spanId: string): string {
  return `s${spanId}`;
}

/**
 * The services of a target trace and every call between them: the probe's request to the entry,
 * answered calls solid, broken calls dashed and red, calls to declared external destinations
 * dotted and grey (not verified). Top-down past MAX_ROW_NODES services, as the chain.
 */
export function serviceDiagram(
  edges: readonly { from: string; to: string; call: string; broken: boolean; external?: boolean }[],
): string {
  const services = new Set(edges.flatMap((edge) => [edge.from, edge.to]));
  const lines = [`flowchart ${services.size > MAX_ROW_NODES ? 'TB' : 'LR'}`];
  const ids = new Map<string, string>();
  const id = (service: string): string => {
    let known = ids.get(service);
    if (known === undefined) {
      known = `n${ids.size}`;
      ids.set(service, known);
      lines.push(`  ${known}["${escapeMermaid(service)}"]`);
    }
    return known;
  };
  const seen = new Set<string>();
  const broken: string[] = [];
  const external: string[] = [];
  for (const edge of edges) {
    const key = `${edge.from}|${edge.to}|${edge.broken}|${edge.external === true}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const [from, to] = [id(edge.from), id(edge.to)];
    const label = escapeMermaid(edge.call || 'call');
    if (edge.broken) {
      lines.push(`  ${from} -. "${label}: context lost" .-> ${to}`);
      broken.push(to);
    } else if (edge.external === true) {
      lines.push(`  ${from} -. "${label}: external, not verified" .-> ${to}`);
      external.push(to);
    } else {
      lines.push(`  ${from} -->|"${label}"| ${to}`);
    }
  }
  if (broken.length > 0) {
    lines.push(`  classDef broken ${BROKEN_STYLE}`);
    lines.push(`  class ${[...new Set(broken)].join(',')} broken`);
  }
  if (external.length > 0) {
    lines.push(`  classDef external ${EXTERNAL_STYLE}`);
    lines.push(`  class ${[...new Set(external)].join(',')} external`);
  }
  return lines.join('\n');
}
