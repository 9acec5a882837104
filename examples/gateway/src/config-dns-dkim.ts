/** Reads dns-zone.json (the offline static zone) and dkim.json (signing settings, development keys). */
import type { StaticZone, StaticZoneEntry } from '@mailroute/dns';
import { FieldReader } from './config-fields.js';
import { CONFIG_FILES, type DevelopmentKey, type DkimSettings } from './config-types.js';

const TEXT_LISTS = ['A', 'AAAA', 'PTR'] as const;

/** Validates the static zone: names to records, in the shape `createStaticTransport` takes. */
export function readDnsZone(value: unknown): { zone: StaticZone; reader: FieldReader } {
  const r = new FieldReader(CONFIG_FILES.dnsZone);
  const root = r.object(value, '');
  const zone: Record<string, StaticZoneEntry> = {};
  for (const [name, raw] of Object.entries(root)) {
    const field = JSON.stringify(name);
    const entry = r.object(raw, field);
    r.known(entry, field, ['ttl', 'A', 'AAAA', 'MX', 'TXT', 'PTR', 'CNAME', 'fail']);
    let ok = true;
    for (const key of TEXT_LISTS) {
      const list = r.array(entry, key, field);
      if (list.some((x) => typeof x !== 'string')) {
        r.fail(`${field}.${key}`, 'must be a list of strings');
        ok = false;
      }
    }
    r.array(entry, 'MX', field).forEach((mx, i) => {
      const m = r.object(mx, `${field}.MX[${i}]`);
      if (typeof m['preference'] !== 'number' || typeof m['exchange'] !== 'string') {
        r.fail(`${field}.MX[${i}]`, 'must be { "preference": number, "exchange": "host" }');
        ok = false;
      }
    });
    const txt = r.array(entry, 'TXT', field);
    if (
      txt.some((t) => typeof t !== 'string' && !(Array.isArray(t) && t.every((s) => typeof s === 'string')))
    ) {
      r.fail(`${field}.TXT`, 'must be a list of strings (or lists of strings)');
      ok = false;
    }
    if (entry['CNAME'] !== undefined) r.string(entry, 'CNAME', field);
    if (entry['ttl'] !== undefined) r.integer(entry, 'ttl', field, 300, 0, 2 ** 31 - 1);
    if (entry['fail'] !== undefined)
      r.oneOf(entry, 'fail', field, 'SERVFAIL', ['SERVFAIL', 'REFUSED', 'TIMEOUT']);
    if (ok) zone[name] = entry as StaticZoneEntry;
  }
  return { zone, reader: r };
}

/** Validates dkim.json: `settings` (notes.ini names) and `developmentKeys`. */
export function readDkimSettings(value: unknown): { settings: DkimSettings; reader: FieldReader } {
  const r = new FieldReader(CONFIG_FILES.dkim);
  const root = r.object(value, '');
  r.known(root, '', ['settings', 'developmentKeys']);
  const raw = r.object(root['settings'], 'settings');
  const settings: Record<string, string> = {};
  for (const [name, v] of Object.entries(raw)) {
    const lower = name.toLowerCase();
    if (lower !== 'routerdkimsigning' && !lower.startsWith('dkim_key_'))
      r.fail(`settings.${name}`, 'unknown setting (RouterDKIMSigning or DKIM_KEY_<domain>)');
    else if (typeof v !== 'string' && typeof v !== 'number') r.fail(`settings.${name}`, 'must be a string');
    else settings[name] = String(v);
  }
  const developmentKeys: DevelopmentKey[] = [];
  r.array(root, 'developmentKeys', '').forEach((entry, i) => {
    const field = `developmentKeys[${i}]`;
    const k = r.object(entry, field);
    r.known(k, field, ['domain', 'selector', 'type', 'bits']);
    const type = r.oneOf(k, 'type', field, 'rsa', ['rsa', 'ed25519'] as const);
    if (k['type'] === undefined) r.fail(`${field}.type`, 'is required (rsa or ed25519)');
    const bits = r.integer(k, 'bits', field, 2048, 1024, 4096);
    if (![1024, 2048, 4096].includes(bits)) r.fail(`${field}.bits`, 'must be 1024, 2048 or 4096');
    developmentKeys.push({
      domain: r.string(k, 'domain', field),
      selector: r.string(k, 'selector', field),
      type,
      ...(type === 'rsa' ? { bits } : {}),
    });
  });
  return { settings: { settings, developmentKeys }, reader: r };
}
