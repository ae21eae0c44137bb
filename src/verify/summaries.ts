import type { CheckSummary, HopSummary, RequestVerification } from './types';

/** Run-wide rows, folded one request at a time so a request's details can go once counted. */

/** Folds a request's findings into one row per check and hop, in the order first checked. */
export function addChecks(rows: Map<string, CheckSummary>, request: RequestVerification): void {
  for (const finding of request.findings) {
    const key = `${finding.check}#${finding.hop ?? ''}`;
    let row = rows.get(key);
    if (row === undefined) {
      row = { ...finding, passed: 0, failed: 0 };
      rows.set(key, row);
    }
    if (finding.passed) {
      row.passed += 1;
    } else {
      if (row.failed === 0) {
        row.expected = finding.expected;
        row.observed = finding.observed;
      }
      row.failed += 1;
    }
  }
}

/** Folds a request's hop verdicts into one row per hop. */
export function addHops(rows: HopSummary[], request: RequestVerification): void {
  for (const hop of request.hops) {
    const row = (rows[hop.hop - 1] ??= {
      hop: hop.hop,
      caller: hop.caller,
      callee: hop.callee,
      passed: 0,
      failed: 0,
      diagnosis: undefined,
    });
    if (hop.passed) row.passed += 1;
    else {
      row.failed += 1;
      row.diagnosis ??= hop.diagnosis;
    }
  }
}
