/**
 * HTML entities for the job summary. Besides the characters that open tags and attributes, it
 * covers what GitHub-flavoured markdown would still act on if the text ever left an HTML block:
 * line breaks (a blank line ends the block and the rest renders as markdown), table pipes, code
 * backticks, emphasis, strike-through, link brackets, backslash escapes, and the autolinks of
 * bare URLs and e-mail addresses (a scheme's `:`, an `@`, the dot of `www.`).
 */
const HTML_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '|': '&#124;',
  '`': '&#96;',
  '\n': '&#10;',
  '\r': '&#13;',
  '*': '&#42;',
  _: '&#95;',
  '~': '&#126;',
  '[': '&#91;',
  ']': '&#93;',
  '\\': '&#92;',
  '#': '&#35;',
  ':': '&#58;',
  '@': '&#64;',
  '.': '&#46;',
};

const HTML_SPECIAL = /[&<>"'|`\n\r*_~[\]\\#:@]|(?<=www)\./gi;

/** Escapes text for HTML in the job summary: received headers and span names are not ours. */
export function escapeHtml(text: string): string {
  return text.replace(HTML_SPECIAL, (char) => HTML_ENTITIES[char]!);
}

/**
 * Makes text safe inside a quoted mermaid label: everything but a few plain characters becomes a
 * mermaid entity (`#60;`), so no quote, bracket, backtick, line break or `%%` directive survives.
 */
export function escapeMermaid(text: string): string {
  return text.replace(/[^\w ./:@,()-]/g, (char) => `#${char.codePointAt(0)};`);
}
