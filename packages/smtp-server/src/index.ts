/**
 * @mailroute/smtp-server (in progress).
 *
 * @packageDocumentation
 */

/** The npm name of this package. */
export const packageName = '@mailroute/smtp-server';
