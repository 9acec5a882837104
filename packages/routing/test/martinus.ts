/**
 * The "Martinus" organization of seed 001's sending scenarios: three servers in one Notes domain,
 * the GDD for martinus.nl with the alias martinus.be, a few users and groups. Each test adds the
 * configuration and connection documents of its scenario.
 */
export function martinusDirectory(extra: {
  configurations?: unknown[];
  connections?: unknown[];
  domains?: unknown[];
  servers?: unknown[];
  persons?: unknown[];
  groups?: unknown[];
}): Record<string, unknown> {
  return {
    servers: [
      {
        name: 'CN=Demeter/OU=SRV/O=Martinus',
        domain: 'Martinus',
        namedNetwork: 'TCPIP-HQ',
        smtpListener: true,
      },
      {
        name: 'CN=Poseidon/OU=SRV/O=Martinus',
        domain: 'Martinus',
        namedNetwork: 'TCPIP-HQ',
        smtpListener: true,
      },
      {
        name: 'CN=Hermes/OU=SRV/O=Martinus',
        domain: 'Martinus',
        namedNetwork: 'TCPIP-Branch',
        smtpListener: true,
      },
      ...(extra.servers ?? []),
    ],
    connections: [
      { source: 'Poseidon/SRV/Martinus', destination: 'Hermes/SRV/Martinus', type: 'nrpc', cost: 1 },
      { source: 'Hermes/SRV/Martinus', destination: 'Poseidon/SRV/Martinus', type: 'nrpc', cost: 1 },
      ...(extra.connections ?? []),
    ],
    domains: extra.domains ?? [],
    globalDomains: [
      { name: 'Martinus', primaryDomain: 'martinus.nl', aliases: ['martinus.be'], isDefault: true },
    ],
    configurations: extra.configurations ?? [],
    persons: [
      {
        fullNames: ['CN=Anna Smit/OU=USR/O=Martinus', 'Anna Smit', 'anna.smit@martinus.be'],
        shortNames: ['asmit'],
        internetAddress: 'anna@martinus.nl',
        mailServer: 'CN=Poseidon/OU=SRV/O=Martinus',
        mailFile: 'mail/asmit.nsf',
      },
      {
        fullNames: ['CN=Bram de Vries/OU=USR/O=Martinus'],
        internetAddress: 'bram@martinus.nl',
        mailServer: 'CN=Hermes/OU=SRV/O=Martinus',
        mailFile: 'mail/bdevries.nsf',
      },
      {
        fullNames: ['CN=Carla Jansen/OU=USR/O=Martinus'],
        internetAddress: 'carla@martinus.nl',
        mailServer: 'CN=Demeter/OU=SRV/O=Martinus',
        mailFile: 'mail/cjansen.nsf',
      },
      ...(extra.persons ?? []),
    ],
    groups: [
      {
        name: 'Sales',
        type: 'mailOnly',
        members: ['Anna Smit/USR/Martinus', 'Team B', 'partner@example.org'],
      },
      {
        name: 'Team B',
        type: 'multipurpose',
        members: ['CN=Bram de Vries/OU=USR/O=Martinus', 'Sales', 'anna@martinus.nl'],
      },
      { name: 'Admins', type: 'accessControlOnly', members: ['Carla Jansen/USR/Martinus'] },
      ...(extra.groups ?? []),
    ],
  };
}

/** Scenario 3's Foreign SMTP Domain document: all Internet domains to `all_the_internet`. */
export const ALL_THE_INTERNET = {
  type: 'foreignSmtp',
  internetDomain: '*.*',
  routeToDomain: 'all_the_internet',
};

/** Scenario 3's SMTP Connection document from a gateway to the foreign SMTP domain. */
export function gatewayConnection(server: string, cost = 1, relayHost?: string): Record<string, unknown> {
  return {
    source: server,
    destination: 'ALL-INTERNET-HOSTS',
    destinationDomain: 'all_the_internet',
    type: 'smtp',
    cost,
    ...(relayHost === undefined ? {} : { relayHost }),
  };
}
