/**
 * Server mail rules through the running gateway (issue 17), with real clients on 127.0.0.1:
 * every condition family of Domino's "New Rule" dialog refuses the message that matches it and
 * lets a near miss through (smtplib, the reply read at the end of DATA); each action end to end
 * (Don't accept with swaks too, Journal, Move to database, Don't deliver silently and with an NDR,
 * Change routing state to HOLD then `queue release`); the rules file re-read while the gateway
 * runs (a new rule takes effect, a broken file keeps the last good rules); Log_MailRouting 30.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  cli,
  documents,
  type Job,
  message,
  queueIdOf,
  sendBatch,
  startRulesGateway,
  type TestGateway,
  withAttachments,
} from './rules-setup.js';
import { run, sinkMessages, smtplibSkip, swaksSkip, waitFor } from './tools.js';

const dontAccept = { type: 'dontAccept' };
/** One refusing rule per condition family; each matches only the messages built for it. */
const CONDITION_RULES = [
  { field: 'sender', operator: 'contains', value: 'rule-sender@' },
  { field: 'subject', operator: 'contains', value: 'rule-subject-marker' },
  { field: 'body', operator: 'contains', value: 'rule-body-marker' },
  { field: 'importance', operator: 'is', value: 'high' },
  { field: 'deliveryPriority', operator: 'is', value: 'low' },
  { field: 'to', operator: 'contains', value: 'rule-to@' },
  { field: 'cc', operator: 'contains', value: 'rule-cc@' },
  { field: 'bcc', operator: 'contains', value: 'mark.jansen@' },
  { field: 'toOrCc', operator: 'contains', value: 'rule-toorcc@' },
  { field: 'bodyOrSubject', operator: 'contains', value: 'rule-bos-marker' },
  { field: 'internetDomain', operator: 'is', value: 'rule-domain.example' },
  { field: 'size', operator: 'greaterThan', value: 200_000 },
  { field: 'attachmentName', operator: 'contains', value: '.rule-exe' },
  { field: 'attachmentCount', operator: 'greaterThan', value: 2 },
  { field: 'form', operator: 'is', value: 'Reservation' },
  { field: 'recipientCount', operator: 'greaterThan', value: 2 },
  { field: 'anyRecipient', operator: 'contains', value: 'john.smith@acme-corp.example' },
].map((clause) => ({ name: `field ${clause.field}`, when: [clause], action: dontAccept }));

const RULES = [
  {
    name: 'journal',
    when: [{ field: 'subject', operator: 'contains', value: 'rule-journal-case' }],
    action: { type: 'journal' },
  },
  ...CONDITION_RULES,
  {
    // All documents, except those whose subject lacks the marker: only the marked message.
    name: 'field allDocuments',
    when: [{ field: 'allDocuments' }],
    except: [{ field: 'subject', operator: 'doesNotContain', value: 'rule-all-marker' }],
    action: dontAccept,
  },
  {
    name: 'hold',
    when: [{ field: 'subject', operator: 'contains', value: 'rule-hold-case' }],
    action: { type: 'hold' },
  },
  {
    name: 'silent',
    when: [{ field: 'subject', operator: 'contains', value: 'rule-silent-case' }],
    action: { type: 'dontDeliver', ndr: false },
  },
  {
    name: 'ndr',
    when: [{ field: 'subject', operator: 'contains', value: 'rule-ndr-case' }],
    action: { type: 'dontDeliver', ndr: true },
  },
  {
    name: 'move',
    when: [{ field: 'subject', operator: 'contains', value: 'rule-move-case' }],
    action: { type: 'move', database: 'quarantine.nsf' },
  },
];

const JANE = ['jane.doe@acme.example'];
const job = (m: string, to: readonly string[] = JANE, from = 'someone@outside.example'): Job => ({
  from,
  to,
  message: m,
});

/** Per condition family: the message that matches its rule, and a near miss that must pass. */
const CASES: Record<string, { hit: Job; miss: Job }> = {
  sender: {
    hit: job(
      message({ subject: 'c1', from: 'rule-sender@outside.example' }),
      JANE,
      'rule-sender@outside.example',
    ),
    miss: job(message({ subject: 'c1 miss', from: 'other@outside.example' }), JANE, 'other@outside.example'),
  },
  subject: {
    hit: job(message({ subject: 'a rule-subject-marker here' })),
    miss: job(message({ subject: 'a rule-subject here' })),
  },
  body: {
    hit: job(message({ subject: 'c3', body: 'text with rule-body-marker inside' })),
    miss: job(message({ subject: 'c3 rule-body-marker only in the subject' })),
  },
  importance: {
    hit: job(message({ subject: 'c4', headers: ['Importance: high'] })),
    miss: job(message({ subject: 'c4 miss', headers: ['Importance: low'] })),
  },
  deliveryPriority: {
    hit: job(message({ subject: 'c5', headers: ['X-Notes-Item: L; name=DeliveryPriority'] })),
    miss: job(message({ subject: 'c5 miss', headers: ['X-Notes-Item: H; name=DeliveryPriority'] })),
  },
  to: {
    hit: job(message({ subject: 'c6', to: 'rule-to@elsewhere.example' })),
    miss: job(message({ subject: 'c6 miss', to: 'rule-too@elsewhere.example' })),
  },
  cc: {
    hit: job(message({ subject: 'c7', headers: ['Cc: rule-cc@elsewhere.example'] })),
    miss: job(message({ subject: 'c7 miss', to: 'rule-cc@elsewhere.example' })),
  },
  // Mark is a blind copy when he is only in the envelope; named in To he is not.
  bcc: {
    hit: job(message({ subject: 'c8' }), ['jane.doe@acme.example', 'mark.jansen@acme.example']),
    miss: job(message({ subject: 'c8 miss', to: 'mark.jansen@acme.example' }), ['mark.jansen@acme.example']),
  },
  toOrCc: {
    hit: job(message({ subject: 'c9', headers: ['Cc: rule-toorcc@elsewhere.example'] })),
    miss: job(message({ subject: 'c9 miss', headers: ['Reply-To: rule-toorcc@elsewhere.example'] })),
  },
  bodyOrSubject: {
    hit: job(message({ subject: 'c10', body: 'rule-bos-marker in the body' })),
    miss: job(message({ subject: 'c10 miss', body: 'rule-bos marker' })),
  },
  internetDomain: {
    hit: job(message({ subject: 'c11' }), JANE, 'a@rule-domain.example'),
    miss: job(message({ subject: 'c11 miss' }), JANE, 'a@sub.rule-domain.example'),
  },
  size: {
    hit: job(message({ subject: 'c12', body: 'x'.repeat(76).concat('\r\n').repeat(2700) })),
    miss: job(message({ subject: 'c12 miss', body: 'x'.repeat(76).concat('\r\n').repeat(2000) })),
  },
  attachmentName: {
    hit: job(withAttachments('c13', ['run.rule-exe'])),
    miss: job(withAttachments('c13 miss', ['run.rule-ex.txt'])),
  },
  attachmentCount: {
    hit: job(withAttachments('c14', ['a.txt', 'b.txt', 'c.txt'])),
    miss: job(withAttachments('c14 miss', ['a.txt', 'b.txt'])),
  },
  form: {
    hit: job(message({ subject: 'c15', headers: ['X-Notes-Item: Reservation; name=Form'] })),
    miss: job(message({ subject: 'c15 miss' })),
  },
  recipientCount: {
    hit: job(message({ subject: 'c16' }), [
      'jane.doe@acme.example',
      'john.smith@acme.example',
      'jane@acme-corp.example',
    ]),
    miss: job(message({ subject: 'c16 miss' }), ['jane.doe@acme.example', 'john.smith@acme.example']),
  },
  anyRecipient: {
    hit: job(message({ subject: 'c17' }), ['john.smith@acme-corp.example']),
    miss: job(message({ subject: 'c17 miss' }), ['john.smith@acme.example']),
  },
  allDocuments: {
    hit: job(message({ subject: 'c18 rule-all-marker' })),
    miss: job(message({ subject: 'c18 rule-all' })),
  },
};

let t: TestGateway;
const skip = smtplibSkip;

before(async () => {
  t = await startRulesGateway(RULES, (g) => {
    g['routingLog'] = { logMailRouting: 30, debugRouter: 0 };
  });
});
after(async () => {
  await t?.close();
});

describe('server mail rules through the gateway', { skip }, () => {
  it('every condition family refuses its message with 554 5.7.1 at the end of DATA and lets a near miss through', async () => {
    const fields = Object.keys(CASES);
    assert.equal(fields.length, 18, 'all 18 condition families of the New Rule dialog');
    const replies = await sendBatch(
      t.port,
      fields.flatMap((f) => [CASES[f]!.hit, CASES[f]!.miss]),
    );
    fields.forEach((f, i) => {
      const [hit, miss] = [replies[2 * i]!, replies[2 * i + 1]!];
      assert.deepEqual(
        hit,
        [554, '5.7.1 Message rejected for policy reasons', 'data'],
        `${f}: the matching message`,
      );
      assert.equal(miss[0], 250, `${f}: the near miss must be accepted: ${JSON.stringify(miss)}`);
    });
    // Refused messages are not in mail.box: the refusals are counted by rule, nothing is queued for them.
    const status = JSON.parse((await cli(t.data, ['status', '--json'])).stdout) as {
      gateway: { refusals: Record<string, number> };
    };
    for (const f of fields)
      assert.equal(status.gateway.refusals[`data 554 5.7.1 mail rule field ${f}`], 1, f);
    // A refused message never reaches a mail file; its near miss does (the size one is the largest).
    await waitFor(
      async () =>
        (await documents(t.data, 'mail', 'jdoe.nsf')).some((d) => d.text.includes('"c12 miss"'))
          ? true
          : undefined,
      'the near miss of the size rule in Jane Doe’s mail file',
    );
    const jane = await documents(t.data, 'mail', 'jdoe.nsf');
    assert.ok(!jane.some((d) => /"a rule-subject-marker here"|"c4"|"c18 rule-all-marker"/.test(d.text)));
  });

  it("swaks: Don't accept gives the client 554 5.7.1 after the final dot, and nothing is stored", {
    skip: swaksSkip,
  }, async () => {
    const before = (await documents(t.data, 'mail', 'jdoe.nsf')).length;
    const r = await run('swaks', [
      '--server',
      `127.0.0.1:${t.port}`,
      '--from',
      'someone@outside.example',
      '--to',
      'jane.doe@acme.example',
      '--header',
      'Subject: swaks rule-subject-marker',
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout, / -> \.\r?\n<\*\* +554 5\.7\.1 Message rejected for policy reasons/);
    const list = await cli(t.data, ['queue', 'list']);
    assert.doesNotMatch(list.stdout, /swaks rule-subject-marker/);
    assert.equal((await documents(t.data, 'mail', 'jdoe.nsf')).length, before);
  });

  it('Journal: a copy lands in the journal store and the message is still delivered', async () => {
    const [reply] = await sendBatch(t.port, [job(message({ subject: 'rule-journal-case 1' }))]);
    const id = queueIdOf(reply!);
    const journal = join(t.data, 'mailjrn');
    const names = await readdir(journal);
    const meta = await Promise.all(
      names
        .filter((n) => n.endsWith('.json'))
        .map(async (n) => ({
          n,
          j: JSON.parse(await readFile(join(journal, n), 'utf8')) as {
            rules: string[];
            recipients: string[];
          },
        })),
    );
    const copy = meta.find((m) => m.j.rules.includes('journal'));
    assert.ok(copy, `a journal entry in ${names.join(', ')}`);
    assert.deepEqual(copy.j.recipients, JANE);
    assert.match(
      await readFile(join(journal, copy.n.replace(/\.json$/, '.eml')), 'utf8'),
      /Subject: rule-journal-case 1/,
    );
    await waitFor(
      async () => (await documents(t.data, 'mail', 'jdoe.nsf')).find((d) => d.id === id),
      `${id} in Jane Doe's mail file`,
    );
  });

  it('Move to database: the message goes into quarantine.nsf and to no recipient', async () => {
    const [reply] = await sendBatch(t.port, [job(message({ subject: 'rule-move-case 1' }))]);
    const id = queueIdOf(reply!);
    assert.match(id, /^R/);
    const moved = await documents(t.data, 'quarantine.nsf');
    assert.ok(
      moved.some((d) => d.id === id && d.text.includes('rule-move-case 1')),
      JSON.stringify(moved.map((d) => d.id)),
    );
    assert.ok(
      !(await documents(t.data, 'mail', 'jdoe.nsf')).some((d) => d.text.includes('rule-move-case 1')),
    );
    const track = await cli(t.data, ['track', id]);
    assert.match(track.stdout, /rule -> database:quarantine\.nsf moved by mail rule move/);
  });

  it("Don't deliver, silently: accepted, then deleted; tracked and counted", async () => {
    const [reply] = await sendBatch(t.port, [job(message({ subject: 'rule-silent-case 1' }))]);
    const id = queueIdOf(reply!);
    const track = await cli(t.data, ['track', id]);
    assert.equal(track.code, 0, track.stderr);
    assert.match(track.stdout, new RegExp(`${id} rule deleted by mail rule silent`));
    const stats = await waitFor(async () => {
      const s = JSON.parse((await cli(t.data, ['status', '--json'])).stdout) as {
        router: { rules?: { ruleDeleted: number } };
      };
      return (s.router.rules?.ruleDeleted ?? 0) >= 1 ? s : undefined;
    }, 'ruleDeleted in status.json');
    assert.equal(stats.router.rules?.ruleDeleted, 1);
    assert.ok(
      !(await documents(t.data, 'mail', 'jdoe.nsf')).some((d) => d.text.includes('rule-silent-case')),
    );
  });

  it("Don't deliver, send NDR: the sender gets a 5.7.1 failure report (at the sink, the Internet's next hop)", async () => {
    const [reply] = await sendBatch(t.port, [
      job(message({ subject: 'rule-ndr-case 1' }), JANE, 'ndr-sender@outside.example'),
    ]);
    queueIdOf(reply!);
    const report = await waitFor(async () => {
      const all = await sinkMessages(join(t.data, 'sink'));
      return all.find((m) => m.envelope.recipients.includes('ndr-sender@outside.example'));
    }, 'the failure report at the sink');
    const raw = report.raw.toString('latin1');
    assert.match(raw, /Content-Type: multipart\/report; report-type=delivery-status/i);
    assert.match(raw, /Status: 5\.7\.1/);
    assert.match(raw, /blocked by mail rule ndr/);
    assert.equal(report.envelope.mailFrom, '');
  });

  it('Change routing state: HOLD keeps the message (queue list, status Mail.Held) until queue release delivers it', async () => {
    const [reply] = await sendBatch(t.port, [job(message({ subject: 'rule-hold-case 1' }))]);
    const id = queueIdOf(reply!);
    const list = await cli(t.data, ['queue', 'list', '--state', 'held']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^${id} .* from <someone@outside\\.example>`, 'm'));
    assert.match(list.stdout, /\[0\] jane\.doe@acme\.example -> delivery {2}HELD/);
    await waitFor(async () => {
      const s = await cli(t.data, ['status']);
      return /Mail\.Held = 1\b/.test(s.stdout) ? s : undefined;
    }, 'Mail.Held = 1 in status');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(
      !(await documents(t.data, 'mail', 'jdoe.nsf')).some((d) => d.id === id),
      'a held message is not delivered',
    );
    const released = await cli(t.data, ['queue', 'release', id]);
    assert.equal(released.code, 0, released.stderr);
    assert.match(released.stdout, new RegExp(`released ${id}`));
    await waitFor(
      async () => (await documents(t.data, 'mail', 'jdoe.nsf')).find((d) => d.id === id),
      `${id} delivered after release`,
    );
    const track = await cli(t.data, ['track', id]);
    assert.match(track.stdout, new RegExp(`${id} held jane\\.doe@acme\\.example -> delivery`));
    assert.match(track.stdout, new RegExp(`${id} released`));
    assert.match(track.stdout, new RegExp(`${id} attempt jane\\.doe@acme\\.example -> delivery delivered`));
  });

  it('Log_MailRouting 30 (routingLog in gateway.json) logs each message queued', () => {
    assert.ok(
      t.lines.some((l) => /^router info: Router: queued/.test(l)),
      t.lines.slice(-20).join('\n'),
    );
  });

  it('the rules file is re-read without a restart; a broken version keeps the last good rules', async () => {
    const probe = () => sendBatch(t.port, [job(message({ subject: 'rule-reload-case' }))]);
    assert.equal((await probe())[0]![0], 250, 'no rule for it yet');
    await t.writeRules([
      {
        name: 'reloaded',
        when: [{ field: 'subject', operator: 'contains', value: 'rule-reload-case' }],
        action: dontAccept,
      },
      ...RULES,
    ]);
    await waitFor(async () => {
      const r = await cli(t.data, ['rules', '--json']);
      return (JSON.parse(r.stdout) as { generation: number }).generation >= 2 ? true : undefined;
    }, 'generation 2 of the rules');
    assert.equal((await probe())[0]![0], 554, 'the next message follows the new rule');
    await t.writeRules({
      rules: [
        { name: 'broken', when: [{ field: 'colour', operator: 'is', value: 'red' }], action: dontAccept },
      ],
    });
    const refused = await waitFor(async () => {
      const r = await cli(t.data, ['rules']);
      return /last change was refused/.test(r.stdout) ? r.stdout : undefined;
    }, 'the broken file refused');
    assert.match(refused, /generation 2 /);
    assert.match(refused, /1\. reloaded: dontAccept/);
    assert.ok(
      t.lines.some((l) =>
        /^mail-rules error: Mail rules file refused; the last good rules stay in force/.test(l),
      ),
    );
    assert.equal((await probe())[0]![0], 554, 'the last good rules are still in force');
  });
});
