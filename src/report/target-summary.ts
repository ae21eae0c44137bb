import { SummaryBuilder, type Cell } from './summary-builder';
import { fitToBudget, SUMMARY_MAX_BYTES } from './budgets';
import { escapeHtml } from './escape';
import { serviceDiagram } from './mermaid';
import { header, jsonForMarkdown, leftOutParagraph, spanTable } from './summary';
import { cutTargetResult, longestTargetList, type TargetResult } from './target-result';

/** The job summary of target mode, its lists cut to fit the runner's limit. */
export function renderTargetSummary(result: TargetResult): string {
  const longest = longestTargetList(result);
  return fitToBudget(result, longest, cutTargetResult, renderWhole, SUMMARY_MAX_BYTES).text;
}

function renderWhole(result: TargetResult): string {
  const target = escapeHtml(`${result.target.method} ${result.target.url}`);
  const negative = result.expected_verdict === 'fail';
  const headline =
    result.verdict === 'pass'
      ? negative
        ? `❌ Expected a broken trace, but context propagated behind ${target}`
        : `✅ Trace context propagated behind ${target}`
      : negative
        ? `✅ Negative control failed as expected behind ${target}`
        : `❌ Trace context broken behind ${target}`;
  const summary = new SummaryBuilder().addHeading(headline, 2);
  summary.addRaw(
    `<p>receiver <code>${escapeHtml(result.receiver.http)}</code>${result.receiver.grpc ? ` and <code>${escapeHtml(result.receiver.grpc)}</code> (gRPC)` : ''} · services seen: ${escapeHtml(result.services_seen.join(', ') || '(none)')} · sample trace <code>${escapeHtml(result.trace_id)}</code></p>`,
    true,
  );
  const leftOut = leftOutParagraph(result.left_out);
  if (leftOut) summary.addRaw(leftOut, true);
  if (result.diagnoses.length > 0) summary.addList(result.diagnoses.map(escapeHtml));
  if (result.edges.length > 0) {
    summary.addRaw(`\n\n\`\`\`mermaid\n${serviceDiagram(result.edges)}\n\`\`\`\n\n`);
  }
  const rows: Cell[][] = [
    [header('Check'), header('Expected'), header('Observed'), header('Result')],
    ...result.checks.map((check) => [
      `${escapeHtml(check.title)}<br/><code>${escapeHtml(check.check)}</code>`,
      `<code>${escapeHtml(check.expected)}</code>`,
      `<code>${escapeHtml(check.observed)}</code>`,
      check.passed
        ? '✅ pass'
        : result.probes.total > 1
          ? `❌ ${check.probes_failed}/${result.probes.total} failed`
          : '❌ fail',
    ]),
  ];
  summary.addHeading('Findings', 3).addTable(rows);
  summary
    .addHeading('Probes', 3)
    .addTable([
      ['Probes', 'Passed', 'Failed', 'p50 ms', 'p95 ms', 'p99 ms'].map(header),
      [
        String(result.probes.total),
        String(result.probes.passed),
        String(result.probes.failed),
        String(result.probes.latency_ms.p50),
        String(result.probes.latency_ms.p95),
        String(result.probes.latency_ms.p99),
      ],
    ]);
  summary.addDetails(
    `Spans of probe ${result.sample_probe} (${result.spans.length + result.left_out.spans})`,
    `\n\n${spanTable(result.spans)}\n\n`,
  );
  summary.addDetails('JSON result', `\n\n\`\`\`json\n${jsonForMarkdown(result)}\n\`\`\`\n\n`);
  return summary.toString();
}
