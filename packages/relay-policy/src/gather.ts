/**
 * The async edge: gathers the facts a stage needs through the DNS and directory interfaces,
 * asking only what the policy will read, then lets the pure policy decide. The SMTP server (or
 * the gateway composing it) calls one function per stage.
 */
import { type ForwardPath, MailrouteError, type ReversePath } from '@mailroute/envelope';
import type { DnsListSite } from './config.js';
import type { PolicyDecision } from './decision.js';
import type {
  AuthenticatedAddress,
  ConnectFacts,
  DkimFact,
  DmarcFact,
  DnsListAnswer,
  DomainExistence,
  MailFromFacts,
  MessageFacts,
  PtrFact,
  RcptToFacts,
  RecipientLookup,
  SessionFacts,
  SpfFact,
} from './facts.js';
import type { PolicyAuthentication, PolicyDirectory, PolicyDns } from './interfaces.js';
import { parseHostAddress } from './names.js';
import type { RelayPolicy } from './policy.js';

/** Facts gathered for a stage and the decision made on them. */
export interface Gathered<F> {
  readonly facts: F;
  readonly decision: PolicyDecision;
}

/** What the gatherer works with. The directory is the one wired into the policy (see `compilePolicy`). */
export interface GathererOptions {
  readonly policy: RelayPolicy;
  readonly dns: PolicyDns;
  /** The SPF, DKIM and DMARC checks; required when `senderAuthentication` turns any of them on. */
  readonly authentication?: PolicyAuthentication;
}

/** `code` of the error {@link createPolicyGatherer} throws when a check is on but no `authentication` was given. */
export const POLICY_AUTHENTICATION_MISSING = 'POLICY_AUTHENTICATION_MISSING';

/** The message and SPF result the end-of-data checks read. */
export interface MessageContent {
  /** The message as received. */
  readonly message: Uint8Array;
  /** The SPF result gathered at MAIL FROM (`Gathered<MailFromFacts>.facts.spf`). */
  readonly spf?: SpfFact;
}

/** Per-stage helpers: gather the facts, then decide. */
export interface PolicyGatherer {
  /** Connect: PTR (forward-confirmed) when needed, DNS white/blacklists in order up to the first hit. */
  connect(session: { readonly ip: string; readonly helo?: string }): Promise<Gathered<ConnectFacts>>;
  /** MAIL FROM: the sender-domain check and the SPF check when needed. */
  mailFrom(session: SessionFacts, sender: ReversePath): Promise<Gathered<MailFromFacts>>;
  /** RCPT TO: the directory lookup for local recipients when needed. */
  rcptTo(session: SessionFacts, recipient: ForwardPath): Promise<Gathered<RcptToFacts>>;
  /**
   * End of DATA: the authenticated user's directory address, DKIM and DMARC when needed (DKIM
   * and DMARC only when `content` is given).
   */
  message(
    session: SessionFacts,
    headers: { readonly sender?: readonly string[]; readonly from?: readonly string[] },
    content?: MessageContent,
  ): Promise<Gathered<MessageFacts>>;
}

/** Calls an interface method; a throw or a rejection becomes the fallback value. */
async function safely<T>(call: () => Promise<T>, fallback: T): Promise<T> {
  try {
    const value = await call();
    return value ?? fallback;
  } catch {
    return fallback;
  }
}

/** Reverse lookup plus forward confirmation of the first PTR name. */
export async function gatherPtr(dns: PolicyDns, ip: string): Promise<PtrFact> {
  const answer = await safely(() => dns.lookupPtr(ip), { result: 'temperror' } as const);
  if (answer.result !== 'found') return { result: answer.result === 'none' ? 'none' : 'temperror' };
  const name = Array.isArray(answer.names) ? answer.names.find((n) => typeof n === 'string') : undefined;
  if (name === undefined) return { result: 'none' };
  const forward = await safely(() => dns.lookupAddresses(name), { result: 'temperror' } as const);
  const self = parseHostAddress(ip)?.text;
  const confirmed =
    forward.result === 'found' &&
    Array.isArray(forward.addresses) &&
    forward.addresses.some((a) => typeof a === 'string' && parseHostAddress(a)?.text === self);
  return { result: 'found', name, confirmed };
}

/** Queries list sites in order and stops at the first hit (Domino stops at the first hit too). */
export async function gatherDnsLists(
  dns: PolicyDns,
  ip: string,
  sites: readonly DnsListSite[],
): Promise<{ answers: DnsListAnswer[]; hit: boolean }> {
  const answers: DnsListAnswer[] = [];
  for (const site of sites) {
    const answer = await safely(() => dns.queryDnsList(ip, site.site), {
      site: site.site,
      result: 'temperror',
    } as const);
    const normalized: DnsListAnswer = { ...answer, site: site.site };
    answers.push(normalized);
    const codes = site.codes ?? [];
    const hit =
      normalized.result === 'listed' &&
      (codes.length === 0 || (normalized.codes ?? []).some((c) => codes.includes(c)));
    if (hit) return { answers, hit: true };
  }
  return { answers, hit: false };
}

/** Creates the per-stage gatherer. */
export function createPolicyGatherer(options: GathererOptions): PolicyGatherer {
  const { policy, dns, authentication } = options;
  const directory: PolicyDirectory | undefined = policy.directory;
  const settings = policy.settings;
  // As with the directory: a check that is on with nothing to run it would silently be off.
  if ((settings.needsSpf || settings.needsDkim || settings.needsDmarc) && authentication === undefined)
    throw new MailrouteError(
      POLICY_AUTHENTICATION_MISSING,
      'senderAuthentication turns SPF, DKIM or DMARC on but no authentication checks were given to the gatherer',
    );
  return {
    async connect(session) {
      const base: { -readonly [K in keyof ConnectFacts]: ConnectFacts[K] } = { ip: session.ip };
      if (session.helo !== undefined) base.helo = session.helo;
      const address = parseHostAddress(session.ip);
      if (address !== undefined) {
        if (settings.needsPtr) base.ptr = await gatherPtr(dns, address.text);
        let whitelisted = false;
        if (settings.dnsWhitelistSites.length > 0) {
          const wl = await gatherDnsLists(dns, address.text, settings.dnsWhitelistSites);
          base.dnsWhitelist = wl.answers;
          whitelisted = wl.hit;
        }
        if (!whitelisted && settings.dnsBlacklistSites.length > 0)
          base.dnsBlacklist = (await gatherDnsLists(dns, address.text, settings.dnsBlacklistSites)).answers;
      }
      return { facts: base, decision: policy.onConnect(base) };
    },

    async mailFrom(session, sender) {
      let senderDomain: DomainExistence | undefined;
      if (
        settings.needsSenderDomain &&
        sender.kind === 'mailbox' &&
        sender.mailbox.domain.kind === 'domain'
      ) {
        const domain = sender.mailbox.domain.ascii;
        senderDomain = await safely(
          () => dns.domainExists(domain, settings.verifyDomainTimeoutSeconds * 1000),
          'temperror' as DomainExistence,
        );
      }
      let spf: SpfFact | undefined;
      if (settings.needsSpf && authentication !== undefined && policy.spfApplies(session)) {
        const mailFrom = sender.kind === 'mailbox' ? sender.mailbox.address : '';
        const identity = mailFrom === '' ? 'helo' : 'mailfrom';
        const at = mailFrom.lastIndexOf('@');
        const domain = identity === 'helo' ? (session.helo ?? '') : mailFrom.slice(at + 1);
        spf = await safely(
          () => authentication.checkSpf({ ip: session.ip, helo: session.helo ?? '', mailFrom }),
          { result: 'temperror', identity, domain } as SpfFact,
        );
      }
      const facts: MailFromFacts = {
        session,
        sender,
        ...(senderDomain === undefined ? {} : { senderDomain }),
        ...(spf === undefined ? {} : { spf }),
      };
      return { facts, decision: policy.onMailFrom(facts) };
    },

    async rcptTo(session, recipient) {
      let answer: RecipientLookup | undefined;
      // compilePolicy refuses a policy that needs the directory without one, so it is here; only a
      // directory that was asked and failed gives 'unavailable' (no answer at all is a tempfail).
      if (
        settings.needsDirectory &&
        directory !== undefined &&
        recipient.kind === 'mailbox' &&
        policy.isLocalRecipient(recipient)
      ) {
        const address = recipient.mailbox.address;
        answer = await safely(() => directory.findRecipient(address), 'unavailable' as RecipientLookup);
      }
      const facts: RcptToFacts =
        answer === undefined ? { session, recipient } : { session, recipient, directory: answer };
      return { facts, decision: policy.onRcptTo(facts) };
    },

    async message(session, headers, content) {
      let authenticatedAddress: AuthenticatedAddress | undefined;
      const user = session.authenticatedUser;
      if (settings.needsAuthenticatedAddress && typeof user === 'string' && user.length > 0) {
        const find = directory?.findInternetAddress;
        authenticatedAddress =
          find === undefined
            ? { result: 'unavailable' }
            : await safely(() => find.call(directory, user), {
                result: 'unavailable',
              } as AuthenticatedAddress);
      }
      let dkim: readonly DkimFact[] | undefined;
      let dmarc: DmarcFact | undefined;
      const authenticated = typeof user === 'string' && user.length > 0;
      if (
        (settings.needsDkim || settings.needsDmarc) &&
        authentication !== undefined &&
        content !== undefined &&
        !authenticated
      ) {
        const checked = await safely(
          () =>
            authentication.checkMessage({
              message: content.message,
              ...(content.spf === undefined ? {} : { spf: content.spf }),
              dkim: true,
              dmarc: settings.needsDmarc,
            }),
          { dkim: [{ result: 'temperror', reason: 'the DKIM check failed' }] } as {
            dkim: readonly DkimFact[];
            dmarc?: DmarcFact;
          },
        );
        dkim = checked.dkim;
        dmarc = checked.dmarc;
      }
      const facts: MessageFacts = {
        session,
        ...(headers.sender === undefined ? {} : { sender: headers.sender }),
        ...(headers.from === undefined ? {} : { from: headers.from }),
        ...(authenticatedAddress === undefined ? {} : { authenticatedAddress }),
        ...(content?.spf === undefined ? {} : { spf: content.spf }),
        ...(dkim === undefined ? {} : { dkim }),
        ...(dmarc === undefined ? {} : { dmarc }),
      };
      return { facts, decision: policy.onMessage(facts) };
    },
  };
}
