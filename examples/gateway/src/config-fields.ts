/**
 * Field readers for the JSON configuration files: each takes the parsed value, a field path and
 * a default, and records a {@link ConfigError} naming the file and field when the value is wrong
 * (the default is used so that every error of a file is reported in one run).
 */
import { ConfigError } from './config-types.js';

/** Collects the errors of one file. */
export class FieldReader {
  readonly file: string;
  readonly errors: ConfigError[] = [];

  constructor(file: string) {
    this.file = file;
  }

  fail(field: string, message: string): void {
    this.errors.push(new ConfigError(this.file, field, message));
  }

  /** The value as a plain object, or an error and `{}`. */
  object(value: unknown, field: string): Record<string, unknown> {
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(field, `must be an object, got ${describe(value)}`);
      return {};
    }
    return value as Record<string, unknown>;
  }

  /** Reports fields that no reader knows (a typo must not silently become a default). */
  known(obj: Record<string, unknown>, field: string, names: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!names.includes(key)) this.fail(join(field, key), `unknown field (known: ${names.join(', ')})`);
    }
  }

  string(obj: Record<string, unknown>, key: string, field: string, fallback?: string): string {
    const value = obj[key];
    if (value === undefined) {
      if (fallback === undefined) this.fail(join(field, key), 'is required');
      return fallback ?? '';
    }
    if (typeof value !== 'string' || value.trim() === '') {
      this.fail(join(field, key), `must be a non-empty string, got ${describe(value)}`);
      return fallback ?? '';
    }
    return value;
  }

  /** A whole number in [min, max]. */
  integer(
    obj: Record<string, unknown>,
    key: string,
    field: string,
    fallback: number,
    min: number,
    max: number,
  ): number {
    const value = obj[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(join(field, key), `must be a whole number from ${min} to ${max}, got ${describe(value)}`);
      return fallback;
    }
    return value;
  }

  boolean(obj: Record<string, unknown>, key: string, field: string, fallback: boolean): boolean {
    const value = obj[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      this.fail(join(field, key), `must be true or false, got ${describe(value)}`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(
    obj: Record<string, unknown>,
    key: string,
    field: string,
    fallback: T,
    allowed: readonly T[],
  ): T {
    const value = obj[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.fail(join(field, key), `must be one of ${allowed.join(', ')}, got ${describe(value)}`);
      return fallback;
    }
    return value as T;
  }

  array(obj: Record<string, unknown>, key: string, field: string): unknown[] {
    const value = obj[key];
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.fail(join(field, key), `must be a list, got ${describe(value)}`);
      return [];
    }
    return value;
  }
}

/** `a.b`, or `b` at the top. */
export function join(field: string, key: string): string {
  return field === '' ? key : `${field}.${key}`;
}

/** A short description of a JSON value for error messages (never the whole value). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}
