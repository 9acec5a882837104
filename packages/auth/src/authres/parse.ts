/**
 * Reading an Authentication-Results field value (RFC 8601 section 2.2). Comments and folding are
 * dropped; a field that does not follow the grammar is a typed failure, never a throw.
 */
import { failed, ok, type Result } from '@mailroute/envelope';
import type { AuthenticationResults, AuthResult, AuthResultProperty } from './types.js';

type Token = { kind: 'word' | 'quoted'; text: string } | { kind: ';' | '=' | '/' | '.' };

/** Longest field value read, in characters: a bound on work for a hostile header. */
export const MAX_AUTHRES_LENGTH = 64 * 1024;

function tokenize(text: string): Token[] | string {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') {
      i++;
    } else if (ch === '(') {
      // Comments nest and may hold quoted pairs (RFC 5322 section 3.2.2).
      let depth = 0;
      for (; i < text.length; i++) {
        const c = text[i]!;
        if (c === '\\') i++;
        else if (c === '(') depth++;
        else if (c === ')' && --depth === 0) break;
      }
      if (depth !== 0) return 'unclosed comment';
      i++;
    } else if (ch === '"') {
      let value = '';
      i++;
      for (; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\') i++;
        value += text[i] ?? '';
      }
      if (i >= text.length) return 'unclosed quoted string';
      i++;
      out.push({ kind: 'quoted', text: value });
    } else if (ch === ';' || ch === '=' || ch === '/') {
      out.push({ kind: ch });
      i++;
    } else if (ch === ')') {
      return 'unbalanced ")"';
    } else {
      let word = '';
      while (i < text.length && !/[\s;=/()"]/.test(text[i]!)) word += text[i++];
      out.push({ kind: 'word', text: word });
    }
  }
  return out;
}

const KEYWORD = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;

class Reader {
  i = 0;
  constructor(readonly tokens: Token[]) {}
  peek(): Token | undefined {
    return this.tokens[this.i];
  }
  next(): Token | undefined {
    return this.tokens[this.i++];
  }
  value(): string | undefined {
    const t = this.next();
    return t && (t.kind === 'word' || t.kind === 'quoted') ? t.text : undefined;
  }
  is(kind: Token['kind']): boolean {
    return this.peek()?.kind === kind;
  }
}

function resinfo(r: Reader): AuthResult | string {
  const method = r.value();
  if (method === undefined || !KEYWORD.test(method)) return `bad method "${method ?? ''}"`;
  let version: number | undefined;
  if (r.is('/')) {
    r.next();
    const v = r.value();
    if (v === undefined || !/^\d{1,9}$/.test(v)) return `bad version of method ${method}`;
    version = Number(v);
  }
  if (!r.is('=')) return `"=" expected after method ${method}`;
  r.next();
  const result = r.value();
  if (result === undefined || !KEYWORD.test(result)) return `bad result for method ${method}`;
  let reason: string | undefined;
  const properties: AuthResultProperty[] = [];
  while (r.peek() && !r.is(';')) {
    const key = r.value();
    if (key === undefined || !r.is('=')) return `property expected in ${method} result`;
    r.next();
    const value = r.value();
    if (value === undefined) return `value expected after ${key}=`;
    if (key.toLowerCase() === 'reason' && reason === undefined && properties.length === 0) {
      reason = value;
      continue;
    }
    const dot = key.indexOf('.');
    if (dot <= 0 || dot === key.length - 1) return `"${key}" is not ptype.property`;
    properties.push({ ptype: key.slice(0, dot).toLowerCase(), property: key.slice(dot + 1), value });
  }
  return {
    method: method.toLowerCase(),
    ...(version !== undefined && { version }),
    result: result.toLowerCase(),
    ...(reason !== undefined && { reason }),
    properties,
  };
}

/** Parse an Authentication-Results field value (what follows "Authentication-Results:"). */
export function parseAuthenticationResults(value: string): Result<AuthenticationResults> {
  const bad = (message: string) =>
    failed({ code: 'AUTHRES_SYNTAX', message: `Authentication-Results: ${message}`, temporary: false });
  if (value.length > MAX_AUTHRES_LENGTH) return bad(`longer than ${MAX_AUTHRES_LENGTH} characters`);
  const tokens = tokenize(value);
  if (typeof tokens === 'string') return bad(tokens);
  const r = new Reader(tokens);
  const authservId = r.value();
  if (authservId === undefined || authservId === '') return bad('no authserv-id');
  let version: number | undefined;
  const maybeVersion = r.peek();
  if (maybeVersion?.kind === 'word' && /^\d+$/.test(maybeVersion.text)) {
    version = Number(maybeVersion.text);
    r.next();
  }
  const results: AuthResult[] = [];
  let sawNone = false;
  while (r.peek()) {
    if (!r.is(';')) return bad('";" expected');
    r.next();
    if (!r.peek()) break; // a trailing ";" is common in the wild
    const p = r.peek();
    if (p?.kind === 'word' && p.text.toLowerCase() === 'none' && r.tokens[r.i + 1]?.kind !== '=') {
      r.next();
      sawNone = true;
      continue;
    }
    const info = resinfo(r);
    if (typeof info === 'string') return bad(info);
    results.push(info);
  }
  if (sawNone && results.length > 0) return bad('"none" beside results');
  return ok({ authservId, ...(version !== undefined && { version }), results });
}
