/**
 * The Authentication-Results vocabulary (RFC 8601): one shape for spf, dkim, dmarc and arc results.
 */

/** One `ptype.property=value` of a result (RFC 8601 section 2.3). */
export interface AuthResultProperty {
  /** `smtp`, `header`, `body` or `policy` (others are kept as read). */
  readonly ptype: string;
  /** The property, e.g. `mailfrom`, `d`, `from`. */
  readonly property: string;
  /** The value, unquoted. */
  readonly value: string;
}

/** One method's result (a resinfo). */
export interface AuthResult {
  /** The method, lower case: `spf`, `dkim`, `dmarc`, `arc`, `iprev`, ... */
  readonly method: string;
  /** The method version when written (`dkim/1`). */
  readonly version?: number;
  /** The result word, lower case: pass, fail, none, softfail, neutral, temperror, permerror, ... */
  readonly result: string;
  /** The `reason=` text. */
  readonly reason?: string;
  /** The properties in order. */
  readonly properties: readonly AuthResultProperty[];
}

/** A whole Authentication-Results field. */
export interface AuthenticationResults {
  /** Who did the checks (the authserv-id), usually our host or ADMD name. */
  readonly authservId: string;
  /** The authres-version when written. */
  readonly version?: number;
  /** The results; empty means "none" (nothing was checked). */
  readonly results: readonly AuthResult[];
}
