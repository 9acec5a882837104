/**
 * `@mailroute/dkim/canonical`: the building blocks under DKIM that other message-authentication
 * code reuses (ARC in `@mailroute/auth` hashes and signs the same way): header and body
 * canonicalization (RFC 6376 section 3.4), the body hash, the header-block parser and the tag-list
 * parser (section 3.2). Signing and verifying need none of them: `DkimSigner` and `DkimVerifier`
 * on the main entry do this work.
 *
 * @packageDocumentation
 */

export { parseHeaderBlock } from '../message.js';
export { DKIM_TAG_LIST_MALFORMED, parseTagList } from '../tag-list.js';
export { type BodyCanonicalization, BodyHasher, bodyHash } from './body.js';
export { canonicalizeHeader, type HeaderCanonicalization, type RawHeaderField } from './header.js';
