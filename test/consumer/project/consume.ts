/**
 * What an outside project does with the installed tarballs: one pass through the SDK, from an
 * SMTP command to an MX lookup. Compiled by the consumer test under `node16` and `bundler`
 * resolution, then run with Node; it prints one `ok <step>` line per step and throws on any
 * surprise, so a package that installs but does not work fails the test.
 */
import { generateKeyPairSync } from 'node:crypto';
import { DkimSigner, DkimVerifier, keyRecordText, loadPrivateKey } from '@mailroute/dkim';
import { bodyHash, parseHeaderBlock } from '@mailroute/dkim/canonical';
import { fingerprint, KeyManager } from '@mailroute/dkim/credstore';
import { createResolver, createStaticTransport, isDnsError } from '@mailroute/dns';
import { decodeMessage, encodeQuery } from '@mailroute/dns/wire';
import { formatReply, parseCommand, parseForwardPath, Replies } from '@mailroute/envelope';
import { canonicalizeName, nameKey } from '@mailroute/envelope/notes-name';
import { startGateway } from '@mailroute/example-gateway';
import { buildMessage, Note, parseMessage } from '@mailroute/itemizer';
import { compilePolicy } from '@mailroute/relay-policy';
import { buildRoutingGraph, dispatch, loadDirectory } from '@mailroute/routing';
import { createSmtpServer } from '@mailroute/smtp-server';

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`consumer: ${what}`);
}
const done = (step: string) => process.stdout.write(`ok ${step}\n`);

// 1. An SMTP command, and the reply a server would give.
const command = parseCommand('MAIL FROM:<alice@example.org> SIZE=2048');
check(command.ok && command.value.verb === 'MAIL', 'MAIL FROM parses');
check(formatReply(Replies.senderOk).startsWith('250 2.1.0'), 'the sender reply formats');
const refused = parseCommand('MAIL FROM:<no-at-sign>');
check(!refused.ok && refused.reason.reply.code === 501, 'a bad path fails with its reply');
check(
  canonicalizeName('Jane Doe/Sales/Acme/US') === 'CN=Jane Doe/OU=Sales/O=Acme/C=US',
  'notes-name subpath',
);
check(nameKey('CN=Jane Doe/O=Acme') === nameKey('jane doe/ACME'), 'Notes name keys meet');
done('envelope');

// 2. A message built from a note of items, then itemized back.
const note = new Note();
note.set({ name: 'From', type: 'text', value: 'alice@example.org' });
note.set({ name: 'SendTo', type: 'text', value: 'bob@example.net' });
note.set({ name: 'Subject', type: 'text', value: 'Grüße from the consumer' });
note.set({ name: 'Body', type: 'text', value: 'Hello from an installed tarball.\n' });
const mime = buildMessage(note);
check(Buffer.isBuffer(mime), 'buildMessage gives a Buffer');
const itemized = await parseMessage(mime);
check(itemized.text('Subject') === 'Grüße from the consumer', 'the subject survives build and parse');
done('itemizer');

// 3. DKIM: sign with Ed25519, verify against the published record.
const privateKey = generateKeyPairSync('ed25519').privateKey;
const signer = new DkimSigner({ keys: [{ domain: 'example.org', selector: 'c2026', privateKey }] });
const signatures = await signer.sign(mime);
const signed = Buffer.concat([Buffer.from(signatures.map((s) => s.header).join('')), mime]);
const key = loadPrivateKey(privateKey);
const record = keyRecordText(key.keyType, key.publicKeyBytes).value;
const verifier = new DkimVerifier({
  lookup: async (name) => (name === 'c2026._domainkey.example.org' ? [record] : []),
});
const results = await verifier.verify(signed);
check(results.length === 1 && results[0]!.result === 'pass', `DKIM verifies (${results[0]?.result})`);
check(typeof KeyManager === 'function', 'the credstore subpath exports KeyManager');
check(/^([0-9A-F]{4} ){15}[0-9A-F]{4}$/.test(fingerprint(key.publicKeyBytes)), 'credstore fingerprint');
const signedFields = parseHeaderBlock(signed.subarray(0, signed.indexOf('\r\n\r\n') + 2).toString('latin1'));
check(
  signedFields[0]?.name.toLowerCase() === 'dkim-signature',
  'the canonical subpath parses the signed header block',
);
const bh = /bh=([^;]+)/.exec(signatures[0]!.header.replace(/\s+/g, ''))?.[1];
check(
  bh === bodyHash(signed.subarray(signed.indexOf('\r\n\r\n') + 4), 'relaxed').toString('base64'),
  'the canonical subpath computes the signature body hash',
);
done('dkim');

// 4. A relay decision: a stranger may not relay through acme.com.
const { policy, problems } = compilePolicy({ localInternetDomains: ['acme.com'] });
check(problems.length === 0, 'the policy compiles');
const to = parseForwardPath('<someone@elsewhere.example>');
check(to.ok, 'the forward path parses');
const decision = policy.onRcptTo({
  session: { ip: '198.51.100.7', ptr: { result: 'found', name: 'relay.stranger.example', confirmed: true } },
  recipient: to.value,
});
check(decision.action === 'reject' && decision.reply.code === 554, `relay is refused (${decision.action})`);
done('relay-policy');

// 5. A least-cost route out of a two-server Domino domain.
const { directory } = loadDirectory({
  servers: [
    { name: 'CN=Demeter/O=Acme', domain: 'Acme', namedNetwork: 'HQ', smtpListener: true },
    { name: 'CN=Poseidon/O=Acme', domain: 'Acme', namedNetwork: 'HQ' },
  ],
  connections: [
    {
      source: 'Demeter/Acme',
      destination: 'ALL-INTERNET-HOSTS',
      destinationDomain: 'all_the_internet',
      type: 'smtp',
      cost: 1,
    },
  ],
  domains: [{ type: 'foreignSmtp', internetDomain: '*.*', routeToDomain: 'all_the_internet' }],
  globalDomains: [{ primaryDomain: 'acme.com', aliases: [], isDefault: true }],
  persons: [],
});
const graph = buildRoutingGraph(directory, 'Poseidon/Acme');
const [routed] = dispatch(directory, graph, ['someone@elsewhere.example']);
check(
  routed?.action === 'transfer' && routed.nextHop === 'Demeter/Acme',
  `routed via Demeter (${routed?.action})`,
);
done('routing');

// 6. MX through a static zone.
const resolver = createResolver({
  transport: createStaticTransport({
    'example.net': { MX: [{ preference: 10, exchange: 'mx.example.net' }] },
    'mx.example.net': { A: ['192.0.2.25'] },
  }),
});
const mx = await resolver.resolveMx('example.net');
check(mx.addresses.join() === '192.0.2.25', `MX resolves (${mx.addresses.join()})`);
const missing = await resolver.resolveMx('nowhere.example').catch((e: unknown) => e);
check(isDnsError(missing) && missing.code === 'ENOTFOUND' && !missing.temporary, 'NXDOMAIN is ENOTFOUND');
const query = decodeMessage(encodeQuery(7, { name: 'example.net', type: 'MX' }));
check(query.ok && query.value.id === 7, 'the wire codec round-trips a query (@mailroute/dns/wire)');
done('dns');

// 7. The listener binds and closes; the gateway's entry point is a function.
const server = createSmtpServer(
  { hostname: 'consumer.test', listeners: [{ kind: 'smtp', port: 0, host: '127.0.0.1' }] },
  {
    connect: () => ({
      async data(message) {
        for await (const _chunk of message); // a real backend stores it before the 250
        return undefined;
      },
    }),
  },
);
const [address] = await server.listen();
check(address !== undefined && address.port > 0, 'the listener binds');
await server.close({ deadline: 1000 });
check(typeof startGateway === 'function', 'the gateway exports startGateway');
done('smtp-server');
