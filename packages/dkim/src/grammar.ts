/**
 * The value grammar of the tags this package writes and reads (RFC 6376 section 3.5), in one
 * place so the signer, the verifier and `mailroute-keymgmt` accept the same names.
 */

// RFC 5321 sub-domain: Let-dig [Ldh-str], at most 63 octets (RFC 1035).
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
// Selectors are sub-domains too (RFC 6376 3.1), so dots are allowed ("2026.mail"); underscores
// are not in the grammar but are common in published selectors and DNS allows them, so they are
// accepted, here and by the verifier alike.
const SELECTOR_LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';

/** d=: `domain-name` (RFC 6376 3.5, RFC 5321 Domain), ASCII (A-labels), at most 253 octets. */
export const DOMAIN_NAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`);

/** s=: `selector = sub-domain *( "." sub-domain )`, underscores tolerated. */
export const SELECTOR = new RegExp(`^(?=.{1,253}$)${SELECTOR_LABEL}(?:\\.${SELECTOR_LABEL})*$`);

/**
 * h= names: RFC 5322 field-name (printable ASCII except ":"), and not ";" either, which would end
 * the tag in a tag-list (RFC 6376 3.2 tval).
 */
export const HEADER_FIELD_NAME = /^[\x21-\x39\x3c-\x7e]+$/;

// RFC 5322 atext: the characters of a dot-atom local part. None is ";" or whitespace, so a
// dot-atom local part can stand in a tag value as it is.
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/** Why an i= value cannot be written for d= `domain`, or undefined when it can. */
export function identityProblem(identity: string, domain: string): string | undefined {
  const at = identity.lastIndexOf('@');
  if (at < 0) return 'it has no "@" (the form is [local-part]@domain)';
  const local = identity.slice(0, at);
  const idDomain = identity.slice(at + 1);
  if (local !== '' && !DOT_ATOM.test(local)) {
    return 'its local part is not a dot-atom (a quoted local part cannot be written in a tag value)';
  }
  if (!DOMAIN_NAME.test(idDomain)) return 'its domain is not a domain name';
  const id = idDomain.toLowerCase();
  const d = domain.toLowerCase();
  if (id !== d && !id.endsWith(`.${d}`)) return `its domain is not ${domain} or a subdomain of it`;
  return undefined;
}
