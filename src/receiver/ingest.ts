import type { OtlpTraceRequest } from './internal-types';
import type { SpanStore } from './span-store';
import { toSpanRecords } from './to-span-record';
import type { RejectedSpan } from './types';

export interface IngestOutcome {
  rejectedSpans: number;
  /** For `partial_success.error_message`; empty when nothing was rejected. */
  errorMessage: string;
}

// The response must stay small (OTLP caps it); a few examples explain the problem well enough.
const REASONS_SHOWN = 5;

/** Stores a decoded request's valid spans: the one path both transports share. */
export function ingest(request: OtlpTraceRequest, store: SpanStore): IngestOutcome {
  const { spans, rejected } = toSpanRecords(request);
  store.add(spans);
  store.noteRejected(rejected);
  return { rejectedSpans: rejected.length, errorMessage: describeRejections(rejected) };
}

function describeRejections(rejected: readonly RejectedSpan[]): string {
  if (rejected.length === 0) return '';
  const shown = rejected
    .slice(0, REASONS_SHOWN)
    .map((span) => `span ${JSON.stringify(span.name)} of ${span.service}: ${span.reason}`);
  const more =
    rejected.length > REASONS_SHOWN ? `; and ${rejected.length - REASONS_SHOWN} more` : '';
  const noun = rejected.length === 1 ? 'span was' : 'spans were';
  return `${rejected.length} ${noun} rejected for unusable ids: ${shown.join('; ')}${more}.`;
}
