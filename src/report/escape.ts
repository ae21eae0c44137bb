/** Escapes text for HTML in the job summary: received headers and span names are not ours. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
    .replaceAll('|', '&#124;')
    .replaceAll('`', '&#96;');
}

/** Makes text safe inside a quoted mermaid label. */
export function escapeMermaid(text: string): string {
  return text.replace(/[^\w ./:@,()-]/g, (char) => `#${char.codePointAt(0)};`);
}
