/** The compiled form of a configuration, read by the stage evaluators. Internal. */
import type { AddressList } from './address-list.js';
import type {
  AuthenticatedRelay,
  DkimCheckAction,
  DmarcAction,
  DnsBlacklistAction,
  DnsWhitelistAction,
  DomainMatchMode,
  RelayEnforcement,
  SpfCheckAction,
} from './config.js';
import type { HostList } from './host-list.js';

/** A DNS list site, compiled. */
export interface CompiledDnsSite {
  /** Zone in A-labels. */
  readonly zone: string;
  /** Answers that count as a hit; empty: any answer. */
  readonly codes: ReadonlySet<string>;
  /** The entry as written. */
  readonly written: string;
  readonly index: number;
}

/** Every setting, validated and with its default applied. */
export interface CompiledRules {
  readonly mode: DomainMatchMode;
  readonly localDomains: HostList;
  readonly localHostDomains: HostList;
  readonly localAddresses: HostList;
  readonly trustUnconfirmedPtr: boolean;
  readonly relay: {
    readonly allowTo: HostList;
    readonly denyTo: HostList;
    readonly allowFrom: HostList;
    readonly denyFrom: HostList;
    readonly exclude: HostList;
    readonly precedence: 0 | 1;
    readonly enforcement: RelayEnforcement;
    readonly authenticatedUsers: AuthenticatedRelay;
  };
  readonly connection: {
    readonly verifyHostName: boolean;
    readonly allowOnly: HostList;
    readonly deny: HostList;
    readonly errorLimit: number;
  };
  readonly sender: {
    readonly verifyDomain: boolean;
    readonly verifyDomainTimeoutSeconds: number;
    readonly allow: AddressList;
    readonly deny: AddressList;
  };
  readonly recipient: {
    readonly verifyLocal: boolean;
    readonly allow: AddressList;
    readonly deny: AddressList;
    readonly denyNotUnique: 0 | 1;
    readonly denyMailToGroups: 0 | 1 | 2;
  };
  readonly dnsBlacklist: {
    readonly enabled: boolean;
    readonly sites: readonly CompiledDnsSite[];
    readonly action: DnsBlacklistAction;
    readonly rejectText: string;
    readonly expandStatistics: boolean;
  };
  readonly dnsWhitelist: {
    readonly enabled: boolean;
    readonly sites: readonly CompiledDnsSite[];
    readonly action: DnsWhitelistAction;
  };
  readonly verifyAuthenticatedSender: 0 | 1;
  readonly senderAuthentication: {
    readonly spf: SpfCheckAction;
    readonly spfExceptions: HostList;
    readonly dkim: DkimCheckAction;
    readonly dmarc: DmarcAction;
  };
}
