import type { CheckSummary } from '../verify/types';
import { inertText } from './untrusted';

/** How many failed requests or probes a result lists one by one. */
export const LISTED_FAILURES = 50;

/** What every check row of a result says, in both modes; the counts are named by each mode. */
export interface CheckRowBase {
  check: string;
  title: string;
  expected: string;
  observed: string;
  passed: boolean;
}

/** A run-wide check row as a result lists it: the texts quote received values, so made inert. */
export function checkRow(check: CheckSummary): CheckRowBase {
  return {
    check: check.check,
    title: inertText(check.title),
    expected: inertText(check.expected),
    observed: inertText(check.observed),
    passed: check.failed === 0,
  };
}
