/** Reads gateway.json (the Server document and listener settings) with its defaults. */
import { FieldReader } from './config-fields.js';
import { OPERATOR_FIELDS, readOperatorSettings } from './config-mail-rules.js';
import {
  type CaptureSinkSettings,
  CONFIG_FILES,
  type GatewaySettings,
  type RouterSettings,
  type SubmissionUser,
  type TlsFiles,
} from './config-types.js';
import { isPasswordHash } from './passwords.js';

const FIELDS = [
  'hostname',
  'thisServer',
  'host',
  'port',
  'submissionPort',
  'startTls',
  'maxMessageSizeBytes',
  'maxBufferedBytes',
  'maxRecipients',
  'maxSessions',
  ...OPERATOR_FIELDS,
  'users',
  'postmaster',
  'tnef',
  'router',
  'captureSink',
  'authservId',
  'tls',
] as const;

/** Keys an earlier gateway.json used, with the name that replaced them (sizes and durations say their unit). */
const RENAMED: Readonly<Record<string, string>> = { maxMessageSize: 'maxMessageSizeBytes' };

const ROUTER_FIELDS = [
  'initialTransferRetryIntervalMs',
  'expiryMs',
  'dsn',
  'routerDSNForNULLReversePath',
  'smtpPorts',
  'mxPort',
  'fallbackNonTls',
  'queue',
  'queueSchema',
  'maxTransferThreads',
  'maxConcurrentTransferThreads',
  'maxDeliveryThreads',
  'pipelineData',
] as const;

/** gateway.json `router`. */
function readRouter(r: FieldReader, value: unknown): RouterSettings {
  const o = r.object(value, 'router');
  r.known(o, 'router', ROUTER_FIELDS);
  const ports = r.object(o['smtpPorts'], 'router.smtpPorts');
  const smtpPorts: Record<string, number> = {};
  for (const host of Object.keys(ports))
    smtpPorts[host.toLowerCase()] = r.integer(ports, host, 'router.smtpPorts', 25, 1, 65535);
  const nullPath = r.integer(o, 'routerDSNForNULLReversePath', 'router', 0, 0, 2);
  // Thread counts: absent means the Router's Domino default, so it is not written here.
  const threads = (key: string): number | undefined =>
    o[key] === undefined ? undefined : r.integer(o, key, 'router', 1, 1, 1000);
  return {
    initialTransferRetryIntervalMs: r.integer(
      o,
      'initialTransferRetryIntervalMs',
      'router',
      900_000,
      1,
      2 ** 31,
    ),
    expiryMs: r.integer(o, 'expiryMs', 'router', 432_000_000, 1, 2 ** 40),
    dsn: r.boolean(o, 'dsn', 'router', false),
    routerDSNForNULLReversePath: nullPath as 0 | 1 | 2,
    smtpPorts,
    mxPort: r.integer(o, 'mxPort', 'router', 25, 1, 65535),
    fallbackNonTls: r.boolean(o, 'fallbackNonTls', 'router', false),
    queue: o['queue'] === undefined ? undefined : r.string(o, 'queue', 'router'),
    queueSchema: o['queueSchema'] === undefined ? undefined : r.string(o, 'queueSchema', 'router'),
    maxTransferThreads: threads('maxTransferThreads'),
    maxConcurrentTransferThreads: threads('maxConcurrentTransferThreads'),
    maxDeliveryThreads: threads('maxDeliveryThreads'),
    pipelineData: r.boolean(o, 'pipelineData', 'router', true),
  };
}

/** gateway.json `captureSink` (absent: no sink). */
function readCaptureSink(r: FieldReader, value: unknown): CaptureSinkSettings | undefined {
  if (value === undefined) return undefined;
  const o = r.object(value, 'captureSink');
  r.known(o, 'captureSink', ['port', 'host', 'hosts']);
  const hosts = r.array(o, 'hosts', 'captureSink').filter((h, i): h is string => {
    if (typeof h === 'string' && h.trim() !== '') return true;
    r.fail(`captureSink.hosts[${i}]`, 'must be a host name');
    return false;
  });
  return {
    port: r.integer(o, 'port', 'captureSink', 2526, 0, 65535),
    host: r.string(o, 'host', 'captureSink', '127.0.0.1'),
    hosts: hosts.map((h) => h.toLowerCase()),
  };
}

/** gateway.json `tls` (absent: the development certificate). */
function readTls(r: FieldReader, value: unknown): TlsFiles | undefined {
  if (value === undefined) return undefined;
  const o = r.object(value, 'tls');
  r.known(o, 'tls', ['certificateFile', 'keyFile']);
  const file = (key: string): string => {
    if (typeof o[key] === 'string' && o[key] !== '') return o[key];
    r.fail(`tls.${key}`, o[key] === undefined ? 'is required' : 'must be a file name');
    return '';
  };
  return { certificateFile: file('certificateFile'), keyFile: file('keyFile') };
}

/** `authservId`: one token (no space, `;`, quote or control character), default the host name. */
function readAuthservId(r: FieldReader, o: Record<string, unknown>): string {
  const hostname = typeof o['hostname'] === 'string' ? o['hostname'] : '';
  const id = r.string(o, 'authservId', '', hostname === '' ? 'localhost' : hostname);
  if (/[\s;"()\\\x00-\x1f\x7f]/.test(id)) {
    r.fail('authservId', 'must be one token: no spaces, ";", quotes, parentheses or control characters');
    return 'localhost';
  }
  return id;
}

/** Validates gateway.json; errors go to the returned reader. */
export function readGatewaySettings(value: unknown): { settings: GatewaySettings; reader: FieldReader } {
  const r = new FieldReader(CONFIG_FILES.gateway);
  const o = r.object(value, '');
  for (const [old, now] of Object.entries(RENAMED))
    if (old in o) r.fail(old, `renamed to ${now} (the unit is in the name now): rename the field`);
  r.known(Object.fromEntries(Object.entries(o).filter(([key]) => !(key in RENAMED))), '', FIELDS);
  const users: SubmissionUser[] = [];
  r.array(o, 'users', '').forEach((entry, i) => {
    const field = `users[${i}]`;
    const u = r.object(entry, field);
    r.known(u, field, ['name', 'password']);
    const name = r.string(u, 'name', field);
    const password = r.string(u, 'password', field);
    if (password !== '' && !isPasswordHash(password))
      r.fail(`${field}.password`, 'must be a scrypt hash (make one with `mailroute-gateway hash-password`)');
    else if (name !== '') users.push({ name, password });
  });
  const tnef = r.object(o['tnef'], 'tnef');
  r.known(tnef, 'tnef', ['enableConversion', 'keepAttachment', 'attachRtf']);
  const submission = o['submissionPort'];
  const settings: GatewaySettings = {
    hostname: r.string(o, 'hostname', ''),
    thisServer: r.string(o, 'thisServer', ''),
    host: r.string(o, 'host', '', '127.0.0.1'),
    port: r.integer(o, 'port', '', 2525, 0, 65535),
    submissionPort: submission === undefined ? undefined : r.integer(o, 'submissionPort', '', 0, 0, 65535),
    startTls: r.oneOf(o, 'startTls', '', 'enabled', ['disabled', 'enabled', 'required'] as const),
    maxMessageSizeBytes: r.integer(o, 'maxMessageSizeBytes', '', 26_214_400, 1024, 2 ** 31),
    maxBufferedBytes: r.integer(o, 'maxBufferedBytes', '', 268_435_456, 1024, 2 ** 40),
    maxRecipients: r.integer(o, 'maxRecipients', '', 100, 1, 100_000),
    maxSessions: r.integer(o, 'maxSessions', '', 1000, 1, 100_000),
    postmaster: o['postmaster'] === undefined ? undefined : r.string(o, 'postmaster', ''),
    authservId: readAuthservId(r, o),
    users,
    operator: readOperatorSettings(r, o),
    tnef: {
      enableConversion: r.boolean(tnef, 'enableConversion', 'tnef', true),
      keepAttachment: r.boolean(tnef, 'keepAttachment', 'tnef', false),
      attachRtf: r.boolean(tnef, 'attachRtf', 'tnef', false),
    },
    router: readRouter(r, o['router']),
    captureSink: readCaptureSink(r, o['captureSink']),
    tls: readTls(r, o['tls']),
  };
  if (settings.maxBufferedBytes < settings.maxMessageSizeBytes)
    r.fail('maxBufferedBytes', `must be at least maxMessageSizeBytes (${settings.maxMessageSizeBytes})`);
  return { settings, reader: r };
}
