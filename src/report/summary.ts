import { SummaryBuilder, tableHtml, type Cell } from './summary-builder';
import type { SpanRecord, Verification } from '../verify/types';
import { describeLeftOut, fitToBudget, SUMMARY_MAX_BYTES } from './budgets';
import { escapeHtml } from './escape';
import { chainDiagram, traceDiagram } from './mermaid';
import { cutResult, type Result } from './result';
import { shortCell, shortIds } from './short-text';
import type { SpanRow } from './span-rows';
import { inertName, inertText } from './untrusted';

/** Past this many spans the sample request's span diagram is left out: it would not render. */
const MAX_DIAGRAM_SPANS = 200;

/**
 * The job summary: what matters first (verdict, diagnoses, the chain, failed checks), everything
 * else folded, so 16 hops and 1,000 requests stay readable.
 */
export function renderSummary(result: Result, verification: Verification): string {
  const longest = Math.max(result.spans.length, result.requests.failures.length);
  const render = (cut: Result): string => renderWhole(cut, verification);
  return fitToBudget(result, longest, cutResult, render, SUMMARY_MAX_BYTES).text;
}

function renderWhole(result: Result, verification: Verification): string {
  const services = result.services.map((s) => s.name);
  const summary = new SummaryBuilder().addHeading(headline(result, services), 2);
  summary.addRaw(`<p>${describeRun(result)}</p>`, true);
  const leftOut = leftOutParagraph(result.left_out);
  if (leftOut) summary.addRaw(leftOut, true);
  // The diagnoses of every request, from the verification: they quote what the chain received.
  const diagnoses = [
    ...new Set(
      verification.hops.flatMap((h) =>
        h.diagnosis ? [inertText(`Hop ${h.hop}: ${h.diagnosis}`)] : [],
      ),
    ),
  ];
  if (diagnoses.length > 0) summary.addList(diagnoses.map(escapeHtml));

  summary.addRaw(`\n\n\`\`\`mermaid\n${chainDiagram(services, verification.hops)}\n\`\`\`\n\n`);

  const failed = result.checks.filter((c) => !c.passed);
  if (failed.length > 0) {
    summary.addHeading('Failed checks', 3).addTable(checkTable(failed, result.requests.total));
  }
  summary.addHeading('Hops', 3).addTable(hopTable(result));
  summary.addHeading('Requests', 3).addTable(batchTable(result));

  summary.addDetails(
    `All checks (${result.checks.length})`,
    `\n\n${tableHtml(checkTable(result.checks, result.requests.total, true))}\n\n`,
  );
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
    summary.addDetails(
      `Trace of request ${sample.index}`,
      `\n\n\`\`\`mermaid\n${traceDiagram(sample.spans.map(inertSpan), sample.brokenEdges, services)}\n\`\`\`\n\n`,
    );
  }
  summary.addDetails(
    `Spans of request ${sample.index} (${result.spans.length + result.left_out.spans})`,
    `\n\n${spanTable(result.spans)}\n\n`,
  );
  summary.addDetails('JSON result', `\n\n\`\`\`json\n${jsonForMarkdown(result)}\n\`\`\`\n\n`);
  return summary.toString();
}

/** The names a diagram shows, made inert: these spans come from the verification, not the model. */
function inertSpan(span: SpanRecord): SpanRecord {
  return { ...span, name: inertName(span.name), service: inertName(span.service) };
}

/** Says what the summary and its JSON leave out to fit the runner's limits; '' when nothing. */
export function leftOutParagraph(leftOut: Readonly<Record<string, number>>): string {
  const described = describeLeftOut(leftOut);
  return described === undefined
    ? ''
    : `<p>Not listed below nor in the JSON result (lists are capped to stay within GitHub's size limits): ${described}.</p>`;
}

function headline(result: Result, services: string[]): string {
  const chain = escapeHtml(
    services.length > 4
      ? `${services[0]} → … → ${services.at(-1)} (${services.length} services)`
      : services.join(' → '),
  );
  const negative = result.expected_verdict === 'fail';
  if (result.verdict === 'pass') {
    return negative
      ? `❌ Expected a broken trace, but context propagated: ${chain}`
      : `✅ Trace context propagated: ${chain}`;
  }
  return negative
    ? `✅ Negative control failed as expected: ${chain}`
    : `❌ Trace context broken: ${chain}`;
}

function describeRun(result: Result): string {
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

/**
 * Checks, counts first so a narrow column never hides them; ids shortened (full in the JSON).
 * The long title is left to the "All checks" table.
 */
function checkTable(checks: Result['checks'], requests: number, titled = false): Cell[][] {
  return [
    [header('Result'), header('Check'), header('Expected'), header('Observed')],
    ...checks.map((check) => [
      check.passed
        ? requests > 1
          ? `✅ ${check.requests_passed}/${requests}`
          : '✅ pass'
        : requests > 1
          ? `❌ ${check.requests_failed}/${requests} failed`
          : '❌ fail',
      `${titled ? `${escapeHtml(shortCell(check.title))}<br/>` : ''}<code>${escapeHtml(check.check)}</code>${check.hop ? ` hop ${check.hop}` : ''}`,
      `<code>${escapeHtml(shortCell(check.expected))}</code>`,
      `<code>${escapeHtml(shortCell(check.observed))}</code>`,
    ]),
  ];
}

function hopTable(result: Result): Cell[][] {
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
function failuresLabel(result: Result): string {
  const { failed, failures } = result.requests;
  return failures.length < failed
    ? `Failed requests (${failed}; the first ${failures.length} listed)`
    : `Failed requests (${failed})`;
}

function failureList(result: Result): string {
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

function batchTable(result: Result): Cell[][] {
  const { requests } = result;
  return [
    ['Requests', 'Concurrency', 'Passed', 'Failed', 'p50 ms', 'p95 ms', 'p99 ms'].map(header),
    [
      String(requests.total),
      String(requests.concurrency),
      String(requests.passed),
      String(requests.failed),
      String(requests.latency_ms.p50),
      String(requests.latency_ms.p95),
      String(requests.latency_ms.p99),
    ],
  ];
}

export function header(data: string): Cell {
  return { data, header: true };
}

/** The spans of the sample request or probe, as an HTML table. */
export function spanTable(spans: readonly SpanRow[]): string {
  return tableHtml([
    ['Service', 'Name', 'Kind', 'Trace id', 'Span id', 'Parent id'].map(header),
    ...spans.map((s) => [
      escapeHtml(s.service),
      escapeHtml(s.name),
      escapeHtml(s.kind),
      `<code>${escapeHtml(shortIds(s.trace_id))}</code>`,
      `<code>${escapeHtml(shortIds(s.span_id))}</code>`,
      `<code>${escapeHtml(shortIds(s.parent_span_id ?? ''))}</code>`,
    ]),
  ]);
}

/** Pretty JSON whose `<` is escaped the JSON way, so no received text can open an HTML tag. */
export function jsonForMarkdown(value: unknown): string {
  return JSON.stringify(value, null, 2).replaceAll('<', '\\u003c');
}
