/**
 * A strict parser for the W3C Trace Context `traceparent` header
 * (https://www.w3.org/TR/trace-context/#traceparent-header). It is ours on purpose: judging the
 * OpenTelemetry propagator with its own parser would prove nothing.
 */

export interface Traceparent {
  version: string;
  traceId: string;
  parentId: string;
  flags: string;
  sampled: boolean;
}

export type TraceparentParse = { ok: true; value: Traceparent } | { ok: false; reason: string };

// Each of these tests a slice of fixed length (at most 2, exactly 32, exactly 16 characters), so
// dropping either anchor changes nothing.
// Stryker disable next-line Regex: equivalent, the slices tested are never longer than 2 characters
const HEX2 = /^[0-9a-f]{2}$/;
// Stryker disable next-line Regex: equivalent, the slice tested is exactly 32 characters
const TRACE_ID = /^[0-9a-f]{32}$/;
// Stryker disable next-line Regex: equivalent, the slice tested is exactly 16 characters
const PARENT_ID = /^[0-9a-f]{16}$/;
const ALL_ZERO = /^0+$/;

export function parseTraceparent(header: string | undefined): TraceparentParse {
  if (header === undefined || header === '') return fail('no traceparent header');
  const version = header.slice(0, 2);
  if (!HEX2.test(version)) return fail('version is not two lower-case hex digits');
  if (version === 'ff') return fail('version ff is invalid');
  // Version 00 is exactly 55 characters. A later version may append fields after a dash; a parser
  // of version 00 reads the first four fields and ignores the rest.
  if (version === '00' ? header.length !== 55 : header.length < 55) {
    return fail(`length is ${header.length}, expected 55`);
  }
  if (header.length > 55 && header[55] !== '-') {
    return fail('unexpected character after the flags field');
  }
  if (header[2] !== '-' || header[35] !== '-' || header[52] !== '-') {
    return fail('fields are not separated by dashes at the expected positions');
  }
  const traceId = header.slice(3, 35);
  const parentId = header.slice(36, 52);
  const flags = header.slice(53, 55);
  if (!TRACE_ID.test(traceId)) return fail('trace-id is not 32 lower-case hex digits');
  if (ALL_ZERO.test(traceId)) return fail('trace-id is all zeros');
  if (!PARENT_ID.test(parentId)) return fail('parent-id is not 16 lower-case hex digits');
  if (ALL_ZERO.test(parentId)) return fail('parent-id is all zeros');
  if (!HEX2.test(flags)) return fail('trace-flags is not two lower-case hex digits');
  const sampled = (parseInt(flags, 16) & 0x01) === 0x01;
  return { ok: true, value: { version, traceId, parentId, flags, sampled } };
}

function fail(reason: string): TraceparentParse {
  return { ok: false, reason };
}
