import { EOL } from 'node:os';

/** A table cell: HTML, or a header cell. */
export type Cell = string | { data: string; header: true };

/**
 * Builds the job summary's text as the runner renders it (GitHub-flavoured markdown with HTML).
 * Pure: the adapter writes it once with @actions/core's summary. Text given to it is HTML: escape
 * what is not ours (the report model has made received text inert already).
 */
export class SummaryBuilder {
  private buffer = '';

  addRaw(text: string, addEol = false): this {
    this.buffer += addEol ? `${text}${EOL}` : text;
    return this;
  }

  addHeading(html: string, level: 1 | 2 | 3 | 4 | 5 | 6): this {
    return this.addRaw(`<h${level}>${html}</h${level}>`, true);
  }

  addList(items: readonly string[]): this {
    return this.addRaw(`<ul>${items.map((item) => `<li>${item}</li>`).join('')}</ul>`, true);
  }

  addTable(rows: readonly (readonly Cell[])[]): this {
    return this.addRaw(tableHtml(rows), true);
  }

  addDetails(label: string, content: string): this {
    return this.addRaw(`<details><summary>${label}</summary>${content}</details>`, true);
  }

  toString(): string {
    return this.buffer;
  }
}

/** A header cell. */
export function header(data: string): Cell {
  return { data, header: true };
}

export function tableHtml(rows: readonly (readonly Cell[])[]): string {
  const html = rows.map(
    (row) =>
      `<tr>${row.map((cell) => (typeof cell === 'string' ? `<td>${cell}</td>` : `<th>${cell.data}</th>`)).join('')}</tr>`,
  );
  return `<table>${html.join('')}</table>`;
}
