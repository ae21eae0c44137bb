import { parseTraceparent } from './traceparent';

/**
 * The trace-context header formats, each read by a strict parser of our own: the propagators under
 * test never judge themselves. What each parser returns is the context the header carries; its
 * `parentId` is the span the callee's server span must be a child of.
 */

export type TraceFormatName = 'tracecontext' | 'b3' | 'b3multi' | 'jaeger';

export interface CarriedContext {
  traceId: string;
  parentId: string;
  /** Undefined when the format leaves the sampling decision to the receiver. */
  sampled: boolean | undefined;
}

export type HeaderRead =
  | { ok: true; value: CarriedContext; raw: string }
  | { ok: false; reason: string; raw: string | undefined };

export interface TraceFormat {
  name: TraceFormatName;
  /** The header as users know it, for titles and messages. */
  header: string;
  /** The id stem of this format's checks: `traceparent` gives `traceparent_valid`, ... */
  checkStem: string;
  read(headers: Readonly<Record<string, string>>): HeaderRead;
}

const HEX16 = /^[0-9a-f]{16}$/;
const HEX32 = /^[0-9a-f]{32}$/;
const ZERO = /^0+$/;

export const TRACE_FORMATS: Readonly<Record<TraceFormatName, TraceFormat>> = {
  tracecontext: {
    name: 'tracecontext',
    header: 'traceparent',
    checkStem: 'traceparent',
    read(headers) {
      const raw = headers['traceparent'];
      const parsed = parseTraceparent(raw);
      if (!parsed.ok) return { ok: false, reason: parsed.reason, raw };
      const { traceId, parentId, sampled } = parsed.value;
      return { ok: true, value: { traceId, parentId, sampled }, raw: raw! };
    },
  },
  b3: {
    name: 'b3',
    header: 'b3',
    checkStem: 'b3',
    read(headers) {
      const raw = headers['b3'];
      if (raw === undefined || raw === '') return { ok: false, reason: 'no b3 header', raw };
      // {TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]; a lone sampling state carries no
      // context. https://github.com/openzipkin/b3-propagation#single-header
      const [traceId = '', spanId = '', sampling, parent, ...rest] = raw.split('-');
      const fail = (reason: string): HeaderRead => ({ ok: false, reason, raw });
      if (rest.length > 0) return fail('more than four fields');
      const ids = checkIds(traceId, spanId);
      if (ids) return fail(ids);
      if (sampling !== undefined && !['0', '1', 'd'].includes(sampling)) {
        return fail(`sampling state ${JSON.stringify(sampling)} is not 0, 1 or d`);
      }
      if (parent !== undefined && (!HEX16.test(parent) || ZERO.test(parent))) {
        return fail('parent span id is not 16 non-zero lower-case hex digits');
      }
      return {
        ok: true,
        value: {
          traceId: traceId.padStart(32, '0'),
          parentId: spanId,
          sampled: sampledOf(sampling),
        },
        raw,
      };
    },
  },
  b3multi: {
    name: 'b3multi',
    header: 'X-B3-SpanId',
    checkStem: 'x_b3',
    read(headers) {
      const traceId = headers['x-b3-traceid'];
      const spanId = headers['x-b3-spanid'];
      const sampled = headers['x-b3-sampled'];
      const flags = headers['x-b3-flags'];
      const raw =
        traceId === undefined && spanId === undefined
          ? undefined
          : `X-B3-TraceId: ${traceId ?? ''}, X-B3-SpanId: ${spanId ?? ''}`;
      if (traceId === undefined || spanId === undefined) {
        return { ok: false, reason: 'no X-B3-TraceId and X-B3-SpanId headers', raw };
      }
      const ids = checkIds(traceId, spanId);
      if (ids) return { ok: false, reason: ids, raw };
      if (sampled !== undefined && !['0', '1'].includes(sampled)) {
        return { ok: false, reason: `X-B3-Sampled ${JSON.stringify(sampled)} is not 0 or 1`, raw };
      }
      return {
        ok: true,
        value: {
          traceId: traceId.padStart(32, '0'),
          parentId: spanId,
          sampled: flags === '1' ? true : sampledOf(sampled),
        },
        raw: raw!,
      };
    },
  },
  jaeger: {
    name: 'jaeger',
    header: 'uber-trace-id',
    checkStem: 'uber_trace_id',
    read(headers) {
      const raw = headers['uber-trace-id'];
      if (raw === undefined || raw === '') {
        return { ok: false, reason: 'no uber-trace-id header', raw };
      }
      // {trace-id}:{span-id}:{parent-span-id}:{flags}, possibly URL-encoded; ids may drop
      // leading zeros. https://www.jaegertracing.io/docs/client-libraries/#propagation-format
      let decoded: string;
      try {
        decoded = decodeURIComponent(raw);
      } catch {
        return { ok: false, reason: 'not valid URL encoding', raw };
      }
      const fields = decoded.split(':');
      if (fields.length !== 4) return { ok: false, reason: 'not four colon-separated fields', raw };
      const [traceId = '', spanId = '', , flags = ''] = fields;
      if (!/^[0-9a-f]{1,32}$/.test(traceId) || ZERO.test(traceId)) {
        return { ok: false, reason: 'trace id is not 1 to 32 non-zero lower-case hex digits', raw };
      }
      if (!/^[0-9a-f]{1,16}$/.test(spanId) || ZERO.test(spanId)) {
        return { ok: false, reason: 'span id is not 1 to 16 non-zero lower-case hex digits', raw };
      }
      if (!/^[0-9a-f]{1,2}$/.test(flags)) return { ok: false, reason: 'flags are not hex', raw };
      return {
        ok: true,
        value: {
          traceId: traceId.padStart(32, '0'),
          parentId: spanId.padStart(16, '0'),
          sampled: (parseInt(flags, 16) & 1) === 1,
        },
        raw,
      };
    },
  },
};

/** Names every format whose header is present in `headers`, for mismatch diagnoses. */
export function formatsPresent(headers: Readonly<Record<string, string>>): TraceFormat[] {
  return Object.values(TRACE_FORMATS).filter((format) => format.read(headers).raw !== undefined);
}

function checkIds(traceId: string, spanId: string): string | undefined {
  if (!(HEX16.test(traceId) || HEX32.test(traceId)) || ZERO.test(traceId)) {
    return 'trace id is not 16 or 32 non-zero lower-case hex digits';
  }
  if (!HEX16.test(spanId) || ZERO.test(spanId)) {
    return 'span id is not 16 non-zero lower-case hex digits';
  }
  return undefined;
}

function sampledOf(state: string | undefined): boolean | undefined {
  if (state === '1' || state === 'd') return true;
  if (state === '0') return false;
  return undefined;
}
