import type { BrokenEdge, HopSummary, SpanRecord } from '../verify/types';
import { escapeMermaid } from './escape';

const BROKEN_STYLE = 'stroke:#d1242f,stroke-width:3px,color:#d1242f';
const EXTERNAL_STYLE = 'stroke:#8c959f,stroke-dasharray:3 3,color:#57606a';

/**
 * The chain: the probe, then one node per service, one arrow per hop. A hop that failed for any
 * request is a dashed red arrow, and the service it reached is outlined in red.
 */
export function chainDiagram(services: readonly string[], hops: readonly HopSummary[]): string {
  const lines = ['flowchart LR', '  probe(["probe"])'];
  services.forEach((service, index) => lines.push(`  n${index}["${escapeMermaid(service)}"]`));
  lines.push('  probe --> n0');
  const broken: number[] = [];
  for (const hop of hops) {
    const from = `n${hop.hop - 1}`;
    const to = `n${hop.hop}`;
    if (hop.failed === 0) {
      lines.push(`  ${from} -->|"hop ${hop.hop}"| ${to}`);
    } else {
      const count =
        hop.passed + hop.failed > 1 ? ` in ${hop.failed}/${hop.passed + hop.failed}` : '';
      lines.push(`  ${from} -. "hop ${hop.hop}: context lost${count}" .-> ${to}`);
      broken.push(hop.hop);
    }
  }
  if (broken.length > 0) {
    lines.push(`  classDef broken ${BROKEN_STYLE}`);
    lines.push(`  class ${broken.map((hop) => `n${hop}`).join(',')} broken`);
  }
  return lines.join('\n');
}

/**
 * The spans of one request: one box per service, parent -> child arrows, and each broken hop drawn
 * as a dashed red arrow from the caller's client span to the callee's new root.
 */
export function traceDiagram(
  spans: readonly SpanRecord[],
  brokenEdges: readonly BrokenEdge[],
): string {
  const lines = ['flowchart LR'];
  const ids = new Set(spans.map((s) => s.spanId));
  const services = [...new Set(spans.map((s) => s.service))];
  services.forEach((service, index) => {
    lines.push(`  subgraph svc${index}["${escapeMermaid(service)}"]`);
    for (const span of spans.filter((s) => s.service === service)) {
      lines.push(
        `    ${node(span.spanId)}["${escapeMermaid(span.name)}<br/>${span.kind} ${span.spanId}"]`,
      );
    }
    lines.push('  end');
  });
  for (const span of spans) {
    if (span.parentSpanId !== undefined && ids.has(span.parentSpanId)) {
      lines.push(`  ${node(span.parentSpanId)} --> ${node(span.spanId)}`);
    }
  }
  for (const edge of brokenEdges) {
    if (edge.fromSpanId !== undefined && ids.has(edge.fromSpanId)) {
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
 * dotted and grey (not verified).
 */
export function serviceDiagram(
  edges: readonly { from: string; to: string; call: string; broken: boolean; external?: boolean }[],
): string {
  const lines = ['flowchart LR'];
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
