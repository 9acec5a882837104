/**
 * Safe folder names from directory data: a mail file path (`mail/jdoe.nsf`) or a next-hop name
 * (`CN=Mail2/O=Acme`, `mx.example.net`) must never climb out of the data directory.
 */

/** The path segments of a mail file name, each reduced to safe characters; `..` and empty parts dropped. */
export function mailFileSegments(mailFile: string): string[] {
  return mailFile
    .split(/[\\/]+/)
    .map((s) => s.replace(/[^A-Za-z0-9._-]/g, '_'))
    .filter((s) => s !== '' && s !== '.' && s !== '..')
    .slice(0, 8);
}

/** One folder name for a next hop: `CN=Mail2/O=Acme` -> `Mail2_Acme`. */
export function hopFolderName(hop: string): string {
  const abbreviated = hop
    .split('/')
    .map((part) => part.replace(/^[A-Za-z]{1,2}=/, ''))
    .join('_');
  const safe = abbreviated.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return safe === '' ? '_' : safe.slice(0, 200);
}
