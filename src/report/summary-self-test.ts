import { header, type SummaryBuilder, type Cell } from './summary-builder';
import type { SpanRecord, Verification } from '../verify/types';
import { escapeHtml } from './escape';
import { chainDiagram, traceDiagram } from './mermaid';
import type { SelfTestResult } from './self-test-result';
import { shortCell, shortIds } from './short-text';
import { inertName, inertText } from './untrusted';

/** The self-test's own parts of the job summary: its hops, failed requests and sample trace. */

/** Past this many spans the sample request's span diagram is left out: it would not render. */
const MAX_DIAGRAM_SPANS = 200;

export function describeSelfTestRun(result: SelfTestResult): string {
  const parts = [
    `propagators <code>${escapeHtml(result.propagators.join(','))}</code>`,
    `client <code>${escapeHtml(result.client)}</code>`,
    `${result.requests.total} request${result.requests.total === 1 ? '' : 's'} at concurrency ${result.requests.concurrency}`,
  ];
  if (result.fault)
    parts.push(`fault <code>${escapeHtml(result.fault.kind)}</code> at hop ${result.fault.hop}`);
  parts.push(`sample trace <code>${escapeHtml(result.trace_id)}</code>`);
  return parts.join(' · ');
}

/** The diagnoses of every request, from the verification: they quote what the chain received. */
export function selfTestDiagnoses(verification: Verification): string[] {
  return [
    ...new Set(
      verification.hops.flatMap((h) =>
        h.diagnosis ? [inertText(`Hop ${h.hop}: ${h.diagnosis}`)] : [],
      ),
    ),
  ];
}

export function selfTestDiagram(result: SelfTestResult, verification: Verification): string {
  return chainDiagram(
    result.services.map((s) => s.name),
    verification.hops,
  );
}

export function addSelfTestTables(summary: SummaryBuilder, result: SelfTestResult): void {
  summary.addHeading('Hops', 3).addTable(hopTable(result));
}

export function addSelfTestDetails(
  summary: SummaryBuilder,
  result: SelfTestResult,
  verification: Verification,
): void {
  if (result.requests.failures.length > 0) {
    summary.addDetails(failuresLabel(result), failureList(result));
  }
  const sample = verification.sample;
  if (sample.spans.length > MAX_DIAGRAM_SPANS) {
    summary.addRaw(
      `<p>The trace of request ${sample.index} has ${sample.spans.length} spans, more than the ${MAX_DIAGRAM_SPANS} a diagram can show: not drawn; its spans are listed below.</p>`,
      true,
    );
  } else if (sample.spans.length > 0) {
    const services = result.services.map((s) => s.name);
    summary.addDetails(
      `Trace of request ${sample.index}`,
      `\n\n\`\`\`mermaid\n${traceDiagram(sample.spans.map(inertSpan), sample.brokenEdges, services)}\n\`\`\`\n\n`,
    );
  }
}

/** The names a diagram shows, made inert: these spans come from the verification, not the model. */
function inertSpan(span: SpanRecord): SpanRecord {
  return { ...span, name: inertName(span.name), service: inertName(span.service) };
}

function hopTable(result: SelfTestResult): Cell[][] {
  const headerName = result.hops[0]?.header_name ?? 'header';
  return [
    [
      header('Requests'),
      header('Hop'),
      header('Call'),
      header(`${escapeHtml(headerName)} received`),
      header('Callee parent'),
      header('Caller client span'),
    ],
    ...result.hops.map((hop) => [
      `${hop.passed ? '✅' : '❌'} ${hop.requests_passed}/${hop.requests_passed + hop.requests_failed}`,
      String(hop.hop),
      `${escapeHtml(hop.caller)} → ${escapeHtml(hop.callee)}<br/><code>${escapeHtml(shortCell(hop.request))}</code>`,
      `<code>${escapeHtml(shortCell(hop.header ?? '(none)'))}</code>`,
      `<code>${escapeHtml(shortIds(hop.callee_parent_span_id ?? '(none)'))}</code>`,
      `<code>${escapeHtml(shortIds(hop.caller_client_span_id ?? '(none)'))}</code>`,
    ]),
  ];
}

/** The failed requests' label says how many are listed when not all of them are. */
function failuresLabel(result: SelfTestResult): string {
  const { failed, failures } = result.requests;
  return failures.length < failed
    ? `Failed requests (${failed}; the first ${failures.length} listed)`
    : `Failed requests (${failed})`;
}

function failureList(result: SelfTestResult): string {
  const { failed, failures } = result.requests;
  const rows = failures.map(
    (f) =>
      `<li>request ${f.request} (trace <code>${escapeHtml(shortIds(f.trace_id))}</code>): ${escapeHtml(shortCell(f.diagnosis ?? f.failed_checks.join(', '), 240))}</li>`,
  );
  const left = failed - failures.length;
  if (left > 0)
    rows.push(`<li>… ${left} more failed request${left === 1 ? '' : 's'} not listed</li>`);
  return `<ul>${rows.join('')}</ul>`;
}
