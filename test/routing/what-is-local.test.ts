/**
 * Cross-package: relay-policy (is this RCPT local, so no relay check applies?) and routing (is it
 * delivered here, or sent on?) must agree on what is local. The same addresses, the same local
 * Internet domains (the Global Domain document, wildcard alias included) and the same own
 * addresses go through both; a disagreement is mail accepted as local and then sent out (a loop),
 * or refused as a relay and yet deliverable.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseForwardPath } from '@mailroute/envelope';
import { compilePolicy } from '@mailroute/relay-policy';
import { loadDirectory, resolveRecipient } from '@mailroute/routing';

const globalDomain = { primaryDomain: 'acme.com', aliases: ['acme.de', '*.acme.com'], isDefault: true };
const ownAddresses = ['[192.0.2.25]', '[IPv6:2001:db8::25]'];

const { directory, problems } = loadDirectory({
  globalDomains: [globalDomain],
  servers: [{ name: 'CN=Mail1/O=Acme', domain: 'Acme' }],
  persons: [
    { fullNames: ['CN=John Doe/O=Acme'], internetAddress: 'john@acme.com', mailServer: 'CN=Mail1/O=Acme' },
  ],
});
const { policy } = compilePolicy({
  localInternetDomains: [globalDomain.primaryDomain, ...globalDomain.aliases],
  localAddresses: ownAddresses,
});

const addresses = [
  'john@acme.com',
  'nobody@acme.com',
  'john@acme.de',
  'john@sales.acme.com',
  'x@a.b.acme.com',
  'x@sub.acme.de',
  'x@notacme.com',
  'x@acme.com.evil.example',
  'x@elsewhere.example',
  'john@[192.0.2.25]',
  'john@[192.000.002.025]',
  'john@[IPv6:2001:DB8:0:0:0:0:0:25]',
  'john@[IPv6:::ffff:192.0.2.25]',
  'john@[192.0.2.26]',
  '"john"@acme.com',
  '"x y"@elsewhere.example',
  'JOHN@ACME.DE',
];

describe('relay-policy and routing agree on what is local', () => {
  it('loads and compiles cleanly', () => {
    assert.deepEqual(problems, []);
  });
  for (const address of addresses) {
    it(address, () => {
      const parsed = parseForwardPath(`<${address}>`);
      assert.ok(parsed.ok && parsed.value.kind === 'mailbox', `envelope refused ${address}`);
      const policyLocal = policy.isLocalRecipient(parsed.value);
      // The address as the SMTP layer hands it over, and as text: both must give the same answer.
      const mailbox = parsed.value.mailbox;
      for (const input of [address, { localPart: mailbox.localPart, domain: mailbox.domain.ascii }]) {
        const r = resolveRecipient(directory, input, { localAddresses: ownAddresses });
        assert.notEqual(r.outcome, 'invalid', `routing could not read ${JSON.stringify(input)}`);
        const routingLocal = r.outcome !== 'internet';
        assert.equal(
          routingLocal,
          policyLocal,
          `${JSON.stringify(input)}: policy ${policyLocal}, routing ${r.outcome}`,
        );
      }
    });
  }
});
