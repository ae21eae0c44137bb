import { appendFile } from 'node:fs/promises';
import { EOL } from 'node:os';

/** A table cell: HTML, or a header cell. */
export type Cell = string | { data: string; header: true };

/**
 * Builds the job summary as the runner renders it (GitHub-flavoured markdown with HTML) and
 * writes it once to the GITHUB_STEP_SUMMARY file. Text given to it is HTML: escape what is not ours.
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

  /** Appends the summary to the step's summary file. */
  async write(file: string): Promise<void> {
    await appendFile(file, this.buffer, 'utf8');
  }
}

export function tableHtml(rows: readonly (readonly Cell[])[]): string {
  const html = rows.map(
    (row) =>
      `<tr>${row.map((cell) => (typeof cell === 'string' ? `<td>${cell}</td>` : `<th>${cell.data}</th>`)).join('')}</tr>`,
  );
  return `<table>${html.join('')}</table>`;
}
