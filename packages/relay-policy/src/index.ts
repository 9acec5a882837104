/**
 * @mailroute/relay-policy (in progress).
 *
 * @packageDocumentation
 */

/** The npm name of this package. */
export const packageName = '@mailroute/relay-policy';
