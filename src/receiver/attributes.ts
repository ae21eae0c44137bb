import type { AttributeValue } from '../verify/types';
import type { OtlpAnyValue, OtlpKeyValue } from './internal-types';

/**
 * Flattens OTLP attributes into the span record's plain values, the way the in-process path
 * flattens SDK attributes: arrays become their items joined with ','. Nested key/value lists (not
 * producible by the OTel JS API, but legal in OTLP) become JSON; bytes stay base64.
 */
export function flattenAttributes(list: readonly OtlpKeyValue[]): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  for (const { key, value } of list) {
    const flat = flattenValue(value, 0);
    if (flat !== undefined) attributes[key] = flat;
  }
  return attributes;
}

// Deeply nested values cannot come from an SDK; past this depth they are cut rather than recursed.
const MAX_DEPTH = 16;

function flattenValue(value: OtlpAnyValue | undefined, depth: number): AttributeValue | undefined {
  if (value === undefined || depth > MAX_DEPTH) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.intValue !== undefined) {
    const number = Number(value.intValue);
    // Past 2^53 a number would silently change the value; the exact digits are kept instead.
    return Number.isSafeInteger(number) ? number : value.intValue;
  }
  if (value.arrayValue !== undefined) {
    return value.arrayValue.values.map((item) => flattenValue(item, depth + 1) ?? '').join(',');
  }
  if (value.kvlistValue !== undefined) {
    const object: Record<string, AttributeValue> = {};
    for (const entry of value.kvlistValue.values) {
      const flat = flattenValue(entry.value, depth + 1);
      if (flat !== undefined) object[entry.key] = flat;
    }
    return JSON.stringify(object);
  }
  if (value.bytesValue !== undefined) return value.bytesValue;
  return undefined;
}
