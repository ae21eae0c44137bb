import * as core from '@actions/core';
import type { Result } from './result';
import { escapeHtml } from './escape';
import { traceDiagram } from './mermaid';
import type { BrokenEdge, SpanRecord } from '../verify/types';

/** Writes the job summary in one write: verdict, checks, diagram, spans and the JSON result. */
export async function writeSummary(
  result: Result,
  spans: readonly SpanRecord[],
  brokenEdges: readonly BrokenEdge[],
): Promise<void> {
  const chain = result.services.map((s) => s.name).join(' → ');
  const summary = core.summary.addHeading(
    result.verdict === 'pass'
      ? `✅ Trace context propagated: ${escapeHtml(chain)}`
      : `❌ Trace context broken: ${escapeHtml(chain)}`,
    2,
  );
  summary.addRaw(
    `<p>Propagators: <code>${escapeHtml(result.propagators.join(','))}</code> · trace id <code>${escapeHtml(result.trace_id)}</code></p>`,
    true,
  );
  for (const hop of result.hops.filter((h) => h.diagnosis !== null)) {
    summary.addRaw(
      `<p><strong>Hop ${hop.hop}</strong>: ${escapeHtml(hop.diagnosis ?? '')}</p>`,
      true,
    );
  }
  summary.addHeading('Checks', 3).addTable([
    [
      { data: 'Check', header: true },
      { data: 'Expected', header: true },
      { data: 'Observed', header: true },
      { data: 'Result', header: true },
    ],
    ...result.checks.map((check) => [
      `${escapeHtml(check.title)}<br/><code>${check.check}</code>`,
      `<code>${escapeHtml(check.expected)}</code>`,
      `<code>${escapeHtml(check.observed)}</code>`,
      check.passed ? '✅ pass' : '❌ fail',
    ]),
  ]);
  summary
    .addHeading('Trace', 3)
    .addRaw(`\n\n\`\`\`mermaid\n${traceDiagram(spans, brokenEdges)}\n\`\`\`\n\n`);
  summary.addDetails(`Spans (${result.spans.length})`, `\n\n${spanTable(result)}\n\n`);
  summary.addDetails('JSON result', `\n\n\`\`\`json\n${jsonForMarkdown(result)}\n\`\`\`\n\n`);
  await summary.write();
}

function spanTable(result: Result): string {
  const rows = result.spans.map(
    (s) =>
      `<tr><td>${escapeHtml(s.service)}</td><td>${escapeHtml(s.name)}</td><td>${s.kind}</td><td><code>${s.trace_id}</code></td><td><code>${s.span_id}</code></td><td><code>${s.parent_span_id ?? ''}</code></td></tr>`,
  );
  return `<table><tr><th>Service</th><th>Name</th><th>Kind</th><th>Trace id</th><th>Span id</th><th>Parent id</th></tr>${rows.join('')}</table>`;
}

/** Pretty JSON whose `<` is escaped the JSON way, so no received text can open an HTML tag. */
function jsonForMarkdown(value: unknown): string {
  return JSON.stringify(value, null, 2).replaceAll('<', '\\u003c');
}
