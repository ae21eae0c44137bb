import { summary } from '@actions/core';

/** A table cell: HTML, or a header cell. */
export type Cell = string | { data: string; header: true };

type CoreSummary = typeof summary;

/**
 * The toolkit's summary builder. `@actions/core` exports one instance, bound to the step's file;
 * the report renders to a string first (the same text serves the step summary and tests), so each
 * rendering takes a fresh instance of that class. `toString()` is the rendered HTML.
 */
export class SummaryBuilder extends (summary.constructor as new () => CoreSummary) {
  override toString(): string {
    return this.stringify();
  }
}

export function tableHtml(rows: readonly (readonly Cell[])[]): string {
  return new SummaryBuilder()
    .addTable(rows.map((row) => [...row]))
    .stringify()
    .trimEnd();
}
