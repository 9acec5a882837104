/**
 * DKIM signing on the way out, as a hook: the Router hands each outbound copy of a message that
 * an authenticated user submitted (and each report it writes itself) to `sign`, with the address
 * of its From field; the hook returns the bytes to send (the signature fields prepended, or the
 * message unchanged when no key applies). The gateway passes its signer, which applies
 * `RouterDKIMSigning` and `DKIM_KEY_<domain>`; the Router knows no keys.
 */

/**
 * Signs one outbound message; `from` is the From field's address, if there is one. It returns new
 * bytes (or `message` itself) and never changes `message` in place: those may be the store's
 * cached copy.
 */
export type SignHook = (message: Uint8Array, from: string | undefined) => Promise<Uint8Array> | Uint8Array;
