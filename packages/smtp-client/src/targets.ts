/**
 * Where a delivery goes, as addresses to try in order: a domain's MX hosts (RFC 5321 5.1, RFC
 * 7505 null MX) under the TLS policy (negotiated, required per destination, MTA-STS, RFC 8461),
 * or a named next hop (Domino's relay host and smart host) by its A and AAAA records.
 */
import { isIP } from 'node:net';
import type { Logger } from '@mailroute/envelope';
import type { TransferResolver } from './agent-options.js';
import type { ClientTlsOptions } from './connect-options.js';
import { dnsReason } from './delivery-failures.js';
import type { TlsPolicy } from './establish.js';
import { type MtaSts, mxMatches } from './mta-sts.js';
import { reason, type SmtpClientReason } from './reasons.js';
import type { NextHop, NextHopAuth } from './types.js';

/** One address to try, and how. */
export interface Target {
  readonly address: string;
  readonly port: number;
  readonly servername: string | undefined;
  readonly remoteMta: string;
  readonly tls: TlsPolicy;
  readonly certificates?: ClientTlsOptions['certificates'];
  readonly auth?: NextHopAuth;
}

/** The addresses to try and the reason to give when none answers, or why there are none. */
export type TargetList =
  | { readonly targets: readonly Target[]; readonly noTarget: SmtpClientReason }
  | { readonly failure: SmtpClientReason };

/** What the MX lookup needs of the agent. */
export interface MxContext {
  readonly resolver: TransferResolver;
  readonly mxPort: number;
  readonly mxTls: 'none' | 'negotiated' | 'required';
  /** Domains whose MX hosts must speak TLS, lower case. */
  readonly requiredTls: ReadonlySet<string>;
  readonly mtaSts: MtaSts | undefined;
  readonly logger: Logger;
  /** The reason for a stopped delivery (aborted, past its deadline, the agent closed). */
  readonly stopped: (signal: AbortSignal) => SmtpClientReason;
}

/** The MX hosts of `domain` with their addresses, filtered and hardened by MTA-STS when it is on. */
export async function mxTargets(ctx: MxContext, domain: string, signal: AbortSignal): Promise<TargetList> {
  const d = domain.toLowerCase().replace(/\.$/, '');
  let hosts: readonly { readonly exchange: string; readonly addresses: readonly string[] }[];
  try {
    hosts = (await ctx.resolver.resolveMx(d, { signal })).hosts;
  } catch (err) {
    if (signal.aborted) return { failure: ctx.stopped(signal) };
    return { failure: dnsReason(d, err) };
  }
  const port = ctx.mxPort;
  let tls: TlsPolicy = ctx.requiredTls.has(d) ? 'required' : ctx.mxTls;
  let certificates: ClientTlsOptions['certificates'];
  if (ctx.mtaSts !== undefined) {
    const policy = await ctx.mtaSts.policyFor(d, signal);
    if (policy !== undefined && policy.mode !== 'none') {
      const matching = hosts.filter((h) => policy.mx.some((p) => mxMatches(p, h.exchange)));
      if (policy.mode === 'testing') {
        if (matching.length < hosts.length)
          ctx.logger.warn({ domain: d, mx: policy.mx }, 'MTA-STS testing: MX hosts outside the policy');
      } else {
        hosts = matching;
        tls = 'required';
        certificates = 'verify';
        if (hosts.length === 0)
          return { failure: reason('SMTP_MTA_STS', `no MX host of ${d} matches its MTA-STS policy`, true) };
      }
    }
  }
  const targets: Target[] = hosts.flatMap((h) =>
    h.addresses.map((address) => ({
      address,
      port,
      servername: isIP(h.exchange) === 0 && !h.exchange.startsWith('[') ? h.exchange : undefined,
      remoteMta: h.exchange,
      tls,
      certificates,
    })),
  );
  return { targets, noTarget: reason('SMTP_DNS', `no address for the MX hosts of ${d}`, true) };
}

/** The addresses of a named next hop (or the address it names), with the hop's TLS and AUTH. */
export async function hopTargets(
  resolver: TransferResolver,
  hop: NextHop,
  signal: AbortSignal,
  stopped: (signal: AbortSignal) => SmtpClientReason,
): Promise<TargetList> {
  const port = hop.port ?? 25;
  const tls: TlsPolicy =
    hop.tls === 'none'
      ? 'none'
      : hop.tls === 'starttls'
        ? 'required'
        : hop.tls === 'implicit' || (hop.tls === undefined && port === 465)
          ? 'implicit'
          : 'negotiated';
  const host = hop.host.replace(/^\[(?:IPv6:)?|\]$/gi, '');
  let addresses: string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    const [a, aaaa] = await Promise.allSettled([
      resolver.resolveA(host, { signal }),
      resolver.resolveAaaa(host, { signal }),
    ]);
    addresses = [
      ...(a.status === 'fulfilled' ? a.value : []),
      ...(aaaa.status === 'fulfilled' ? aaaa.value : []),
    ];
    if (addresses.length === 0) {
      if (signal.aborted) return { failure: stopped(signal) };
      const err = a.status === 'rejected' ? a.reason : aaaa.status === 'rejected' ? aaaa.reason : undefined;
      // A relay host that does not resolve is a configuration error: mail waits for it to be fixed.
      const why = dnsReason(host, err);
      return { failure: { ...why, temporary: true, message: `relay host ${host}: ${why.message}` } };
    }
  }
  const targets: Target[] = addresses.map((address) => ({
    address,
    port,
    servername: isIP(host) === 0 ? host : undefined,
    remoteMta: isIP(host) === 0 ? host : `[${host}]`,
    tls,
    ...(hop.auth === undefined ? {} : { auth: hop.auth }),
  }));
  return { targets, noTarget: reason('SMTP_DNS', `no address for ${host}`, true) };
}
