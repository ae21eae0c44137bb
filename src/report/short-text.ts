/**
 * Shorter table cells for the job summary, which GitHub renders in a column about 946 px wide:
 * 32- and 16-digit hex ids become their first 8 digits and an ellipsis (the JSON result keeps
 * every id in full), and long text is cut with an ellipsis. An unbroken id is what widened the
 * tables past the column and hid their counts.
 */
const HEX_ID = /\b([0-9a-f]{8})[0-9a-f]{8,}\b/gi;

/** Digits an id keeps in a cell: enough to match it against the JSON result and the span table. */
export const SHORT_ID_DIGITS = 8;

export function shortIds(text: string): string {
  return text.replace(HEX_ID, '$1…');
}

/** `text` with ids shortened, cut to `max` characters. */
export function shortCell(text: string, max = 160): string {
  const short = shortIds(text);
  return short.length > max ? `${short.slice(0, max - 1)}…` : short;
}
