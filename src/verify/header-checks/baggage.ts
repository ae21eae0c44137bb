/**
 * Reads a W3C baggage header (https://www.w3.org/TR/baggage/) into its entries: comma-separated
 * `key=value` members, each value percent-decoded, properties after `;` dropped. Members that do
 * not parse are skipped: the check only asks whether one known entry arrived.
 */
export function parseBaggage(header: string | undefined): Map<string, string> {
  const entries = new Map<string, string>();
  if (header === undefined) return entries;
  for (const member of header.split(',')) {
    const [pair = ''] = member.split(';');
    const equals = pair.indexOf('=');
    if (equals <= 0) continue;
    const key = pair.slice(0, equals).trim();
    try {
      entries.set(key, decodeURIComponent(pair.slice(equals + 1).trim()));
    } catch {
      // not percent-decodable: not an entry we set
    }
  }
  return entries;
}
