import type { CheckContext, CheckResult } from './context';

/** Every service of `expect-services` is in the probe's trace (or in a trace broken off it). */
export function expectedServicesPresent(ctx: CheckContext): CheckResult | undefined {
  const expected = ctx.input.expectServices;
  if (expected.length === 0) return undefined;
  const inTrace = ctx.probe.graph.services;
  const missing = expected.filter((service) => !inTrace.has(service));
  const diagnoses = missing.map((service) => {
    if (!ctx.run.spanCounts.has(service)) {
      return (
        rejectedNote(service, ctx.input.rejected) ??
        `${service} exported no spans at all: check its OTEL_EXPORTER_OTLP_ENDPOINT, its service.name, and that its tracer provider is started.`
      );
    }
    return ctx.probe.breaks.some((b) => b.span.service === service)
      ? `${service} is not in the probe's trace: its spans are in a trace that broke off (see no_new_roots, no_foreign_traces).`
      : `${service} exported spans, but none in the probe's trace: the call to it may not have happened, or its context was lost upstream.`;
  });
  return {
    finding: {
      check: 'expected_services_present',
      title: `every expected service is in the probe's trace (${expected.join(', ')})`,
      expected: expected.join(', '),
      observed: missing.length ? `missing: ${missing.join(', ')}` : expected.join(', '),
      passed: missing.length === 0,
    },
    diagnoses,
  };
}

/** Why an expected service seems silent when the receiver refused its spans. */
function rejectedNote(
  service: string,
  rejected: CheckContext['input']['rejected'],
): string | undefined {
  const refused = (rejected ?? []).filter((span) => span.service === service);
  if (refused.length === 0) return undefined;
  return `${service} exported spans, but the receiver refused ${refused.length === 1 ? 'it' : `all ${refused.length}`} (${refused[0]!.reason}): all-zero ids usually mean two copies of the OpenTelemetry API in that service, so its spans are no-ops.`;
}
