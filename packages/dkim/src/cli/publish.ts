/**
 * What `create dkim` and `export dkim dns` print: the DNS record to publish, as a person copies
 * it into a provider's form (name, type, value) and as a zone-file line (the value split into
 * character-strings of at most 255 octets, RFC 1035 3.3.14; RFC 6376 3.6.2.2 joins them).
 */

/** One character-string of a zone file: quoted, with `"` and `\` escaped (RFC 1035 5.1). */
function quoted(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** `name. IN TXT "..." "..."`: the owner name made absolute, one line, no TTL (the zone's $TTL). */
export function zoneFileLine(name: string, strings: readonly string[]): string {
  return `${name.endsWith('.') ? name : `${name}.`} IN TXT ${strings.map(quoted).join(' ')}`;
}

/** The lines printed for a record to publish. */
export function publishLines(record: { name: string; value: string; strings: readonly string[] }): string[] {
  return [
    `Name:  ${record.name}`,
    'Type:  TXT',
    `Value: ${record.value}`,
    'Zone file line:',
    zoneFileLine(record.name, record.strings),
  ];
}
