/**
 * What the authentication checks need from DNS. `@mailroute/dns`'s `MailResolver` satisfies it as
 * it is (pass `createResolver(...)`), so its cache, retry schedule and typed errors apply; tests may
 * hand in anything of this shape.
 */
import type { MxResolution } from '@mailroute/dns';

/** Per-lookup options. */
export interface AuthLookupOptions {
  /** Cancels the lookup; it then rejects. */
  readonly signal?: AbortSignal;
  /**
   * Query the name exactly as built, spaces included (an SPF domain-spec after macro expansion,
   * RFC 7208 section 4.8). `@mailroute/dns` honours it for A, AAAA, TXT and PTR; a resolver that
   * does not know it may refuse such names (the lookup then fails as a bad name).
   */
  readonly rawName?: boolean;
}

/**
 * The lookups SPF, DMARC and ARC make. Each rejects on failure with an error of the SDK's shape
 * (the dns package's errors): `temporary: false` and a `code` (`ENOTFOUND`, `ENODATA`, ...) when
 * the name or record does not exist, or `temporary: true` when the lookup failed temporarily.
 */
export interface AuthResolver {
  /** TXT records of `name`, each record's strings joined. */
  resolveTxt(name: string, options?: AuthLookupOptions): Promise<string[]>;
  /** IPv4 addresses of `name`. */
  resolveA(name: string, options?: AuthLookupOptions): Promise<string[]>;
  /** IPv6 addresses of `name`. */
  resolveAaaa(name: string, options?: AuthLookupOptions): Promise<string[]>;
  /** Names of an IP address (PTR). */
  resolvePtr(address: string, options?: AuthLookupOptions): Promise<string[]>;
  /** The MX hosts of `domain` with their addresses. */
  resolveMx(domain: string, options?: AuthLookupOptions): Promise<MxResolution>;
}

/** A lookup outcome: values, a void answer (no such name or no such record), or a temporary failure. */
export type LookupOutcome<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'void'; readonly reason: string }
  | { readonly kind: 'none'; readonly reason: string }
  | { readonly kind: 'temp'; readonly message: string };

/**
 * Run a lookup and sort its failure: `void` for NXDOMAIN/NODATA (RFC 7208 section 4.6.4's void
 * lookups), `none` for other failures that will not change (a bad name, a null MX), `temp` for the rest.
 * Errors are read by shape, never by class, so two installed copies of the dns package agree.
 */
export async function settle<T>(lookup: () => Promise<T>): Promise<LookupOutcome<T>> {
  try {
    return { kind: 'ok', value: await lookup() };
  } catch (e) {
    const err = (typeof e === 'object' && e !== null ? e : {}) as {
      temporary?: unknown;
      code?: unknown;
      message?: unknown;
    };
    const message = typeof err.message === 'string' ? err.message : String(e);
    if (err.temporary === false) {
      const reason = typeof err.code === 'string' ? err.code : 'not found';
      return reason === 'ENOTFOUND' || reason === 'ENODATA'
        ? { kind: 'void', reason }
        : { kind: 'none', reason };
    }
    return { kind: 'temp', message };
  }
}
