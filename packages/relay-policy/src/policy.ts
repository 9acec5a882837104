/**
 * `compilePolicy`: the entry point. It compiles a configuration once and returns a policy whose
 * stage methods are pure and synchronous: facts in, a decision out, never a throw.
 */
import { type ForwardPath, MailrouteError, Replies } from '@mailroute/envelope';
import { compileRulesSafely } from './compile.js';
import type { DnsListSite, PolicyConfig } from './config.js';
import { decideConnect } from './connect.js';
import type { PolicyDecision, PolicyStage } from './decision.js';
import type { ConnectFacts, MailFromFacts, MessageFacts, RcptToFacts, SessionFacts } from './facts.js';
import type { PolicyDirectory } from './interfaces.js';
import { decideMessage } from './message.js';
import { normalizeDomainName } from './names.js';
import type { ConfigProblem } from './problems.js';
import { decideRcpt, isLocalMailbox } from './rcpt.js';
import type { CompiledDnsSite, CompiledRules } from './rules.js';
import { decideMailFrom } from './sender.js';
import { decideMessageAuthentication, decideSpf, spfApplies } from './sender-auth.js';
import { SessionViews } from './session-views.js';

/** Values the policy reports for the server and the fact gatherer to act on. */
export interface PolicySettings {
  /** `SMTPErrorLimit`: the server drops the session after this many protocol errors. */
  readonly errorLimit: number;
  /** `SMTPVerifySendersDomainTimeout` in seconds, for the sender-domain DNS lookup. */
  readonly verifyDomainTimeoutSeconds: number;
  /** True when the policy reads the PTR name (verify host name, internal hosts, host-name entries). */
  readonly needsPtr: boolean;
  /** True when the policy reads the sender-domain DNS answer. */
  readonly needsSenderDomain: boolean;
  /** True when the policy reads the directory answer for local recipients. */
  readonly needsDirectory: boolean;
  /** True when the policy reads the authenticated user's directory address at end of data. */
  readonly needsAuthenticatedAddress: boolean;
  /** DNS whitelist sites to query in order (empty when the filter is off). */
  readonly dnsWhitelistSites: readonly DnsListSite[];
  /** DNS blacklist sites to query in order (empty when the filter is off). */
  readonly dnsBlacklistSites: readonly DnsListSite[];
  /** `SMTPExpandDNSBLStats`: count blacklist hits per IP as well. */
  readonly expandDnsblStatistics: boolean;
  /** True when the policy reads an SPF result at MAIL FROM (`senderAuthentication.spf` is on). */
  readonly needsSpf: boolean;
  /** True when the policy reads DKIM results at end of data (`senderAuthentication.dkim` is on). */
  readonly needsDkim: boolean;
  /** True when the policy reads a DMARC result at end of data (`senderAuthentication.dmarc` is on). */
  readonly needsDmarc: boolean;
}

/** A compiled policy. Every method is pure and synchronous and never throws. */
export interface RelayPolicy {
  readonly settings: PolicySettings;
  /** Connect: connection controls, DNS white- and blacklists. */
  onConnect(facts: ConnectFacts): PolicyDecision;
  /** MAIL FROM: sender controls, then the SPF check's result. */
  onMailFrom(facts: MailFromFacts): PolicyDecision;
  /** RCPT TO: relay controls and recipient controls. */
  onRcptTo(facts: RcptToFacts): PolicyDecision;
  /** End of DATA: authenticated sender verification, then DKIM and DMARC results. */
  onMessage(facts: MessageFacts): PolicyDecision;
  /** True when SPF is to be checked for the session: on, not authenticated, not an `spfExceptions` host. */
  spfApplies(session: SessionFacts): boolean;
  /** True when the name is, or lies under, a local Internet domain (how a host is judged internal). */
  isInLocalDomain(name: string): boolean;
  /** True when the forward-path is a local recipient (so the directory is asked about it). */
  isLocalRecipient(path: ForwardPath): boolean;
  /** The directory wired at compile time (the gatherer asks it), if any. */
  readonly directory: PolicyDirectory | undefined;
}

/** What a policy is wired to besides its configuration. */
export interface PolicyWiring {
  /**
   * The Domino Directory the facts come from. Required when "Verify that local domain recipients
   * exist in the Domino Directory" (`recipient.verifyLocal`) is on (with `findRecipient`) and
   * when `SMTPVerifyAuthenticatedSender=1` (with `findInternetAddress`).
   */
  readonly directory?: PolicyDirectory;
}

/** `code` of the error {@link compilePolicy} throws when a setting needs a directory that was not wired. */
export const POLICY_DIRECTORY_MISSING = 'POLICY_DIRECTORY_MISSING';

/** The result of {@link compilePolicy}. */
export interface CompiledPolicy {
  readonly policy: RelayPolicy;
  /** Every problem found; entries with an `error` were left out, settings fell back to their default. */
  readonly problems: readonly ConfigProblem[];
}

// A broken invariant must not take the session down: the client is told to retry.
function guarded<F>(stage: PolicyStage, run: (facts: F) => PolicyDecision): (facts: F) => PolicyDecision {
  return (facts: F) => {
    try {
      return run(facts);
    } catch (error) {
      const note = error instanceof Error ? error.message : String(error);
      return {
        stage,
        action: 'tempfail',
        reply: Replies.localError,
        items: [],
        trace: [{ rule: 'policy', outcome: 'temperror', note: `internal error: ${note}` }],
      };
    }
  };
}

function siteOf(site: CompiledDnsSite): DnsListSite {
  return { site: site.zone, codes: [...site.codes] };
}

function settingsOf(rules: CompiledRules): PolicySettings {
  const r = rules.relay;
  const hostNameEntries = [
    r.allowFrom,
    r.denyFrom,
    r.exclude,
    rules.connection.allowOnly,
    rules.connection.deny,
  ].some((list) => list.names.size > 0);
  return {
    errorLimit: rules.connection.errorLimit,
    verifyDomainTimeoutSeconds: rules.sender.verifyDomainTimeoutSeconds,
    needsPtr:
      rules.connection.verifyHostName ||
      hostNameEntries ||
      r.enforcement === 'external' ||
      rules.recipient.denyMailToGroups === 1,
    needsSenderDomain: rules.sender.verifyDomain,
    needsDirectory: rules.recipient.verifyLocal,
    needsAuthenticatedAddress: rules.verifyAuthenticatedSender === 1,
    dnsWhitelistSites: rules.dnsWhitelist.enabled ? rules.dnsWhitelist.sites.map(siteOf) : [],
    dnsBlacklistSites: rules.dnsBlacklist.enabled ? rules.dnsBlacklist.sites.map(siteOf) : [],
    expandDnsblStatistics: rules.dnsBlacklist.expandStatistics,
    needsSpf: rules.senderAuthentication.spf !== 'none',
    // DMARC reads the DKIM results too, so they are gathered when either is on.
    needsDkim: rules.senderAuthentication.dkim !== 'none',
    needsDmarc: rules.senderAuthentication.dmarc !== 'off',
  };
}

// A setting that reads the directory with no directory to read would silently turn the check
// off (every unknown user accepted as "directory unavailable"): that is a wiring mistake, not an
// outage, so it is refused here rather than discovered in the mail flow.
function checkWiring(rules: CompiledRules, wiring: PolicyWiring): void {
  const directory = wiring?.directory;
  const has = (method: 'findRecipient' | 'findInternetAddress') =>
    typeof directory === 'object' && directory !== null && typeof directory[method] === 'function';
  if (rules.recipient.verifyLocal && !has('findRecipient'))
    throw new MailrouteError(
      POLICY_DIRECTORY_MISSING,
      'recipient.verifyLocal ("Verify that local domain recipients exist in the Domino Directory") is on but no directory with findRecipient was wired',
    );
  if (rules.verifyAuthenticatedSender === 1 && !has('findInternetAddress'))
    throw new MailrouteError(
      POLICY_DIRECTORY_MISSING,
      'verifyAuthenticatedSender (SMTPVerifyAuthenticatedSender=1) is on but no directory with findInternetAddress was wired',
    );
}

/**
 * The problems {@link compilePolicy} would report for a configuration, without wiring anything
 * (for configuration checkers). Never throws.
 */
export function policyProblems(config: PolicyConfig): readonly ConfigProblem[] {
  return compileRulesSafely(config).problems.list;
}

/**
 * Compiles a configuration into a policy. Bad entries and settings are reported in `problems`
 * (naming the field and the entry) and left out or replaced by their default. Throws a
 * `MailrouteError` with code {@link POLICY_DIRECTORY_MISSING} when a setting that reads the
 * directory is on and `wiring.directory` lacks the method it needs; nothing else throws.
 */
export function compilePolicy(config: PolicyConfig, wiring: PolicyWiring = {}): CompiledPolicy {
  const { rules, problems } = compileRulesSafely(config);
  checkWiring(rules, wiring);
  const views = new SessionViews(rules);
  const policy: RelayPolicy = {
    settings: settingsOf(rules),
    onConnect: guarded('connect', (facts: ConnectFacts) => decideConnect(rules, facts)),
    onMailFrom: guarded('mail', (facts: MailFromFacts) =>
      decideSpf(rules, facts, decideMailFrom(rules, facts)),
    ),
    onRcptTo: guarded('rcpt', (facts: RcptToFacts) => decideRcpt(rules, views, facts)),
    onMessage: guarded('message', (facts: MessageFacts) =>
      decideMessageAuthentication(rules, facts, decideMessage(rules, facts)),
    ),
    spfApplies: (session: SessionFacts) => {
      try {
        return spfApplies(rules, session);
      } catch {
        return false;
      }
    },
    isInLocalDomain: (name: string) => {
      const n = normalizeDomainName(String(name));
      return n.ok && rules.localHostDomains.names.find(n.value) !== undefined;
    },
    directory: wiring?.directory,
    isLocalRecipient: (path: ForwardPath) => {
      try {
        return path.kind === 'postmaster' || (path.kind === 'mailbox' && isLocalMailbox(rules, path));
      } catch {
        return false;
      }
    },
  };
  return { policy, problems: problems.list };
}
