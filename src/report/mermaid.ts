import type { BrokenEdge, SpanRecord } from '../verify/types';
import { escapeMermaid } from './escape';

/**
 * A mermaid flowchart of the spans: one box per service, parent -> child arrows, and each broken
 * hop drawn as a dashed red arrow from the caller's client span to the callee's new root.
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
  brokenEdges.forEach((edge) => {
    if (edge.fromSpanId !== undefined && ids.has(edge.fromSpanId)) {
      lines.push(
        `  ${node(edge.fromSpanId)} -. "context lost (hop ${edge.hop})" .-> ${node(edge.toSpanId)}`,
      );
    }
  });
  if (brokenEdges.length > 0) {
    lines.push('  classDef broken stroke:#d1242f,stroke-width:3px,color:#d1242f');
    lines.push(`  class ${brokenEdges.map((edge) => node(edge.toSpanId)).join(',')} broken`);
  }
  return lines.join('\n');
}

function node(spanId: string): string {
  return `s${spanId}`;
}
