import { header, SummaryBuilder, tableHtml, type Cell } from './summary-builder';
import type { Verification } from '../verify/types';
import { describeLeftOut, SUMMARY_MAX_BYTES } from './budgets';
import { escapeHtml } from './escape';
import { serviceDiagram } from './mermaid';
import { fitResult, runView, type CheckView, type Result, type RunView } from './result';
import { shortCell, shortIds } from './short-text';
import {
  addSelfTestDetails,
  addSelfTestTables,
  describeSelfTestRun,
  selfTestDiagnoses,
  selfTestDiagram,
} from './summary-self-test';
import type { SpanRow } from './span-rows';
import type { TargetResult } from './target-result';

/**
 * The job summary of both modes, its lists cut to fit the runner's limit: what matters first
 * (verdict, diagnoses, the diagram, the checks), everything else folded, so 16 hops and 1,000
 * requests stay readable. The self-test adds its hops from the verification it ran.
 */
export function renderSummary(result: Result, verification?: Verification): string {
  const render = (cut: Result): string => renderWhole(cut, verification);
  return fitResult(result, render, SUMMARY_MAX_BYTES).text;
}

function renderWhole(result: Result, verification: Verification | undefined): string {
  const view = runView(result);
  const selfTest = result.mode === 'self-test' ? verification : undefined;
  const summary = new SummaryBuilder().addHeading(headline(result), 2);
  summary.addRaw(
    `<p>${result.mode === 'self-test' ? describeSelfTestRun(result) : describeTargetRun(result)}</p>`,
    true,
  );
  const leftOut = leftOutParagraph(result.left_out);
  if (leftOut) summary.addRaw(leftOut, true);
  const diagnoses = selfTest ? selfTestDiagnoses(selfTest) : view.diagnoses;
  if (diagnoses.length > 0) summary.addList(diagnoses.map(escapeHtml));
  const diagram =
    result.mode === 'target'
      ? result.edges.length > 0
        ? serviceDiagram(result.edges)
        : undefined
      : selfTest && selfTestDiagram(result, selfTest);
  if (diagram !== undefined) summary.addRaw(`\n\n\`\`\`mermaid\n${diagram}\n\`\`\`\n\n`);

  if (result.mode === 'target') {
    summary.addHeading('Findings', 3).addTable(checkTable(view.checks, view.total, true));
  } else {
    const failed = view.checks.filter((c) => !c.passed);
    if (failed.length > 0) {
      summary.addHeading('Failed checks', 3).addTable(checkTable(failed, view.total));
    }
    addSelfTestTables(summary, result);
  }
  const concurrency = result.mode === 'self-test' ? result.requests.concurrency : undefined;
  summary
    .addHeading(view.noun === 'probe' ? 'Probes' : 'Requests', 3)
    .addTable(runsTable(view, concurrency));
  if (result.mode === 'self-test') {
    summary.addDetails(
      `All checks (${view.checks.length})`,
      `\n\n${tableHtml(checkTable(view.checks, view.total, true))}\n\n`,
    );
    if (selfTest) addSelfTestDetails(summary, result, selfTest);
  }
  summary.addDetails(
    `Spans of ${view.noun} ${view.sample} (${result.spans.length + result.left_out.spans})`,
    `\n\n${spanTable(result.spans)}\n\n`,
  );
  summary.addDetails('JSON result', `\n\n\`\`\`json\n${jsonForMarkdown(result)}\n\`\`\`\n\n`);
  return summary.toString();
}

/** Says what the summary and its JSON leave out to fit the runner's limits; '' when nothing. */
export function leftOutParagraph(leftOut: Readonly<Record<string, number>>): string {
  const described = describeLeftOut(leftOut);
  return described === undefined
    ? ''
    : `<p>Not listed below nor in the JSON result (lists are capped to stay within GitHub's size limits): ${described}.</p>`;
}

/** The verdict against the expectation, naming the chain (self-test) or the target. */
function headline(result: Result): string {
  let subject: string;
  if (result.mode === 'target') {
    subject = ` behind ${escapeHtml(`${result.target.method} ${result.target.url}`)}`;
  } else {
    const services = result.services.map((s) => s.name);
    subject = `: ${escapeHtml(
      services.length > 4
        ? `${services[0]} → … → ${services.at(-1)} (${services.length} services)`
        : services.join(' → '),
    )}`;
  }
  const negative = result.expected_verdict === 'fail';
  if (result.verdict === 'pass') {
    return negative
      ? `❌ Expected a broken trace, but context propagated${subject}`
      : `✅ Trace context propagated${subject}`;
  }
  return negative
    ? `✅ Negative control failed as expected${subject}`
    : `❌ Trace context broken${subject}`;
}

function describeTargetRun(result: TargetResult): string {
  const { receiver } = result;
  return `receiver <code>${escapeHtml(receiver.http)}</code>${receiver.grpc ? ` and <code>${escapeHtml(receiver.grpc)}</code> (gRPC)` : ''} · services seen: ${escapeHtml(result.services_seen.join(', ') || '(none)')} · sample trace <code>${escapeHtml(result.trace_id)}</code>`;
}

/**
 * Checks, counts first so a narrow column never hides them; ids shortened (full in the JSON).
 * The long title only where asked (the "All checks" and "Findings" tables).
 */
function checkTable(checks: readonly CheckView[], runs: number, titled = false): Cell[][] {
  return [
    [header('Result'), header('Check'), header('Expected'), header('Observed')],
    ...checks.map((check) => [
      check.passed
        ? runs > 1
          ? `✅ ${check.runsPassed}/${runs}`
          : '✅ pass'
        : runs > 1
          ? `❌ ${check.runsFailed}/${runs} failed`
          : '❌ fail',
      `${titled ? `${escapeHtml(shortCell(check.title))}<br/>` : ''}<code>${escapeHtml(check.check)}</code>${check.hop ? ` hop ${check.hop}` : ''}`,
      `<code>${escapeHtml(shortCell(check.expected))}</code>`,
      `<code>${escapeHtml(shortCell(check.observed))}</code>`,
    ]),
  ];
}

/** How many requests or probes ran, passed and failed, and their latency. */
function runsTable(view: RunView, atConcurrency: number | undefined): Cell[][] {
  const noun = view.noun === 'probe' ? 'Probes' : 'Requests';
  const { latency } = view;
  const concurrency = atConcurrency === undefined ? [] : [String(atConcurrency)];
  return [
    [noun, ...(concurrency.length ? ['Concurrency'] : []), 'Passed', 'Failed']
      .map(header)
      .concat(['p50 ms', 'p95 ms', 'p99 ms'].map(header)),
    [
      String(view.total),
      ...concurrency,
      String(view.passed),
      String(view.failed),
      String(latency.p50),
      String(latency.p95),
      String(latency.p99),
    ],
  ];
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
