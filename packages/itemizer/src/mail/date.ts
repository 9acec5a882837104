/**
 * Date-time values (RFC 5322 3.3) including the obsolete forms of 4.3: two- and three-digit
 * years, named zones (UT, GMT, EST ... PDT), military zones (read as -0000, as 4.3 says),
 * comments, missing seconds, missing day name, extra white space.
 */

const MONTHS: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

const ZONES: Record<string, number> = {
  ut: 0,
  utc: 0,
  gmt: 0,
  z: 0,
  edt: -4 * 60,
  est: -5 * 60,
  cdt: -5 * 60,
  cst: -6 * 60,
  mdt: -6 * 60,
  mst: -7 * 60,
  pdt: -7 * 60,
  pst: -8 * 60,
};

/** Parses an RFC 5322 date; `undefined` when it cannot be read. */
export function parseMailDate(text: string): Date | undefined {
  const clean = text
    .replace(/\([^()]*\)/g, ' ')
    .replace(/,/g, ' ')
    .trim()
    .toLowerCase();
  const words = clean.split(/\s+/).filter((w) => w !== '');
  if (
    words.length > 0 &&
    /^[a-z]{3,}$/.test(words[0] as string) &&
    MONTHS[(words[0] as string).slice(0, 3)] === undefined
  ) {
    words.shift(); // day name
  }
  if (words.length < 4) return undefined;
  let day: number;
  let month: number | undefined;
  let yearText: string;
  let k = 0;
  if (/^\d{1,2}$/.test(words[0] as string)) {
    day = Number(words[0]);
    month = MONTHS[(words[1] as string).slice(0, 3)];
    yearText = words[2] as string;
    k = 3;
  } else {
    // "Jan 4 2007 ..." (asctime-like order seen in old mailers)
    month = MONTHS[(words[0] as string).slice(0, 3)];
    day = Number(words[1]);
    yearText = words[2] as string;
    k = 3;
    if (/^\d{1,2}:\d{2}/.test(yearText) && words.length > 3) {
      // asctime: "Jan 4 12:14:08 2007"
      const t = yearText;
      yearText = words[3] as string;
      words[3] = t;
    }
  }
  if (month === undefined || !Number.isInteger(day) || day < 1 || day > 31) return undefined;
  if (!/^\d{2,4}$/.test(yearText)) return undefined;
  let year = Number(yearText);
  if (yearText.length === 2) year += year < 50 ? 2000 : 1900;
  else if (yearText.length === 3) year += 1900;
  const time = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(words[k] ?? '');
  if (time === null) return undefined;
  const hh = Number(time[1]);
  const mm = Number(time[2]);
  const ss = time[3] === undefined ? 0 : Number(time[3]);
  if (hh > 23 || mm > 59 || ss > 60) return undefined;
  const zone = words[k + 1];
  let offset = 0;
  if (zone !== undefined) {
    const numeric = /^([+-])(\d{2})(\d{2})$/.exec(zone);
    if (numeric !== null) {
      offset = (numeric[1] === '-' ? -1 : 1) * (Number(numeric[2]) * 60 + Number(numeric[3]));
    } else if (ZONES[zone] !== undefined) {
      offset = ZONES[zone] as number;
    } else if (!/^[a-z]$/.test(zone)) {
      return undefined;
    }
  }
  const ms = Date.UTC(year, month, day, hh, mm, Math.min(ss, 59)) - offset * 60_000;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Formats a date as RFC 5322 in UTC (`Thu, 04 Jan 2007 11:14:08 +0000`). */
export function formatMailDate(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${DAY_NAMES[d.getUTCDay()]}, ${p(d.getUTCDate())} ${MONTH_NAMES[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(
    d.getUTCHours(),
  )}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
