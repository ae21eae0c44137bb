import { FLAG, KIND } from '../span-columns';
import { serverPath } from '../trace-graph';
import type { SpanRecord } from '../types';
import type { CheckContext, CheckResult } from './context';

/** Parent links inside the probe's own trace: resolved, from a client, extracted from a header. */

/** Every span's parent is in the trace (or is the probe): no service in between dropped spans. */
export function parentsResolved(ctx: CheckContext): CheckResult {
  const { graph, probe } = ctx.probe;
  const dangling: SpanRecord[] = [];
  const { spans, parents } = graph;
  for (let position = 0; position < spans.length; position += 1) {
    if (parents[position]! >= 0) continue;
    const span = spans[position]!;
    if (span.parentSpanId !== undefined && span.parentSpanId !== probe.spanId) dangling.push(span);
  }
  return {
    finding: {
      check: 'parents_resolved',
      title: "every span's parent is in the trace (or is the probe)",
      expected: '0 dangling parents',
      observed: dangling.length
        ? dangling
            .map((s) => `${s.service}: ${s.name} (${s.spanId}) -> ${s.parentSpanId}`)
            .join('; ')
        : '0 dangling parents',
      passed: dangling.length === 0,
    },
    diagnoses: dangling.map(
      (span) =>
        `${span.service}: ${span.name} (${span.spanId}) names parent ${span.parentSpanId}, which no service exported: a service between them exports nothing, or drops spans.`,
    ),
  };
}

/** A server span after the entry is the child of a client span: the caller's client is traced. */
export function serverParentIsClient(ctx: CheckContext): CheckResult {
  const { graph } = ctx.probe;
  const wrong: { span: SpanRecord; parent: SpanRecord }[] = [];
  const { spans, kinds, parents } = graph;
  for (let position = 0; position < spans.length; position += 1) {
    const parent = parents[position]!;
    if (kinds[position] !== KIND.server || parent < 0) continue;
    if (kinds[parent] === KIND.client || kinds[parent] === KIND.producer) continue;
    wrong.push({ span: spans[position]!, parent: spans[parent]! });
  }
  return {
    finding: {
      check: 'server_parent_is_client',
      title: 'every server span after the entry is the child of a client span',
      expected: 'client parents only',
      observed: wrong.length
        ? wrong
            .map(
              ({ span, parent }) =>
                `${span.service}: ${span.name} (${span.spanId}) <- ${parent.kind} span`,
            )
            .join('; ')
        : 'client parents only',
      passed: wrong.length === 0,
    },
    diagnoses: wrong.map(
      ({ span, parent }) =>
        `${parent.service} -> ${span.service} (${serverPath(span) ?? span.name}): ${span.service}'s server span is the child of ${parent.service}'s ${parent.kind} span ${parent.spanId}, not of a client span: ${parent.service}'s outgoing HTTP client is not instrumented.`,
    ),
  };
}

/** OTLP span flags say whether a server span's parent came from another process. */
export function remoteParentExtracted(ctx: CheckContext): CheckResult {
  const local: SpanRecord[] = [];
  const { spans, kinds, flags } = ctx.probe.graph;
  const wanted = FLAG.hasParent | FLAG.localParent;
  for (let position = 0; position < spans.length; position += 1) {
    if (kinds[position] === KIND.server && (flags[position]! & wanted) === wanted)
      local.push(spans[position]!);
  }
  return {
    finding: {
      check: 'remote_parent_extracted',
      title: 'server spans continue the remote parent from the header (OTLP span flags)',
      expected: 'every server span with remote-parent flags has a remote parent',
      observed: local.length
        ? local.map((s) => `${s.service}: ${s.name} (${s.spanId})`).join('; ')
        : 'as expected',
      passed: local.length === 0,
    },
    diagnoses: local.map(
      (span) =>
        `${span.service}: server span ${span.spanId} continued a context from inside its own process (span flags: parent not remote), not the one in the incoming ${ctx.input.header} header: extraction failed.`,
    ),
  };
}
