import type { CheckSummary, Finding, HopSummary, RequestVerification } from './types';

/** Run-wide rows, folded one request at a time so a request's details can go once counted. */

/**
 * Folds a request's (or a probe's) findings into one row per check and hop, in the order first
 * checked; a row shows the first failure's values. Both modes count their checks here.
 */
export function addChecks(
  rows: Map<string, CheckSummary>,
  request: { readonly findings: readonly Finding[] },
): void {
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
        row.title = finding.title;
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

/** One row per check over every run (request or probe), in the order first checked. */
export function summarizeChecks(
  runs: readonly { readonly findings: readonly Finding[] }[],
): CheckSummary[] {
  const rows = new Map<string, CheckSummary>();
  for (const run of runs) addChecks(rows, run);
  return [...rows.values()];
}

/** The names of the checks that failed at least once, each once. */
export function failedCheckNames(rows: readonly CheckSummary[]): string[] {
  return [...new Set(rows.filter((c) => c.failed > 0).map((c) => c.check))];
}
