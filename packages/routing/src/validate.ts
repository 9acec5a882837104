import type { DirectoryProblem } from './model.js';

/**
 * Field readers for the loader: each returns a usable value or undefined, and records a problem
 * naming the exact path of a bad field. They never throw, whatever the input.
 */

/** At most this many problems are listed; the rest are counted in one final entry (bounded memory). */
export const MAX_LISTED_PROBLEMS = 1000;

/** Collects problems up to {@link MAX_LISTED_PROBLEMS}. */
export class ProblemList {
  readonly items: DirectoryProblem[] = [];
  #dropped = 0;

  add(path: string, message: string, severity: 'error' | 'warning' = 'error'): void {
    if (this.items.length < MAX_LISTED_PROBLEMS) this.items.push({ path, message, severity });
    else this.#dropped++;
  }

  finish(): DirectoryProblem[] {
    if (this.#dropped > 0) {
      this.items.push({ path: '', message: `${this.#dropped} more problems not listed`, severity: 'error' });
    }
    return this.items;
  }
}

/**
 * The path of a document in the input (`persons[3]`), spelled out only when a problem is reported:
 * building a million path strings that are never read would cost seconds on a large directory.
 */
export class DocumentPath {
  constructor(
    readonly list: string,
    readonly index: number,
  ) {}
  toString(): string {
    return `${this.list}[${this.index}]`;
  }
}

/** A path as a string or a lazily spelled document path. */
export type PathLike = string | DocumentPath;

/** A plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a required non-empty string. */
export function requiredString(
  doc: Record<string, unknown>,
  field: string,
  path: PathLike,
  problems: ProblemList,
): string | undefined {
  const v = doc[field];
  if (typeof v === 'string' && v.trim().length > 0) return v.trim();
  problems.add(
    `${path}.${field}`,
    v === undefined ? 'is required' : `must be a non-empty string, got ${describe(v)}`,
  );
  return undefined;
}

/** Reads an optional string; empty strings count as absent. */
export function optionalString(
  doc: Record<string, unknown>,
  field: string,
  path: PathLike,
  problems: ProblemList,
): string | undefined {
  const v = doc[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.trim().length > 0 ? v.trim() : undefined;
  problems.add(`${path}.${field}`, `must be a string, got ${describe(v)}`);
  return undefined;
}

/** Reads an optional boolean with a default. */
export function optionalBoolean(
  doc: Record<string, unknown>,
  field: string,
  path: PathLike,
  problems: ProblemList,
  fallback: boolean,
): boolean {
  const v = doc[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'boolean') return v;
  problems.add(`${path}.${field}`, `must be true or false, got ${describe(v)}; using ${fallback}`);
  return fallback;
}

/** Reads an optional member of a fixed set of words with a default. */
export function optionalEnum<T extends string>(
  doc: Record<string, unknown>,
  field: string,
  path: PathLike,
  problems: ProblemList,
  allowed: readonly T[],
  fallback: T,
): T {
  const v = doc[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  problems.add(
    `${path}.${field}`,
    `must be one of ${allowed.join(', ')}, got ${describe(v)}; using ${fallback}`,
  );
  return fallback;
}

/** Reads an optional array of non-empty strings; bad elements are named and left out. */
export function stringArray(
  doc: Record<string, unknown>,
  field: string,
  path: PathLike,
  problems: ProblemList,
): string[] {
  const v = doc[field];
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return v.trim().length > 0 ? [v.trim()] : [];
  if (!Array.isArray(v)) {
    problems.add(`${path}.${field}`, `must be a list of strings, got ${describe(v)}`);
    return [];
  }
  // The usual list is already clean: copy it at its exact size. An array grown by push keeps room
  // for 16 more elements, which for the two name lists of a million persons is hundreds of MiB.
  let clean = true;
  for (let i = 0; i < v.length && clean; i++) {
    const item = v[i];
    clean = typeof item === 'string' && item.length > 0 && item.trim() === item;
  }
  if (clean) return v.slice() as string[];
  const out: string[] = [];
  for (let i = 0; i < v.length; i++) {
    const item = v[i];
    if (typeof item === 'string' && item.trim().length > 0) out.push(item.trim());
    else problems.add(`${path}.${field}[${i}]`, `must be a non-empty string, got ${describe(item)}`);
  }
  return out;
}

/** A short description of a bad value for a problem message (never the whole value). */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return v.length > 40 ? `"${v.slice(0, 40)}..."` : `"${v}"`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return typeof v === 'object' ? 'an object' : typeof v;
}
