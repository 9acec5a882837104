import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandomSource } from '@mailroute/envelope';
import { compileMailRules } from '../../src/rules/compile.js';
import { evaluateMailRules } from '../../src/rules/evaluate.js';
import { messageFacts } from '../../src/rules/facts.js';
import { parseMailRulesJson } from '../../src/rules/file.js';
import type { MailRuleClause, MessageFacts } from '../../src/rules/types.js';

const MULTIPART = [
  'From: Spammer <bad@spam.example>',
  'To: Jane Doe <jane@acme.example>',
  'Cc: john@acme.example',
  'Subject: Free money',
  'Importance: high',
  'DeliveryPriority: H',
  'Message-ID: <x1@spam.example>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary=b',
  '',
  '--b',
  'Content-Type: text/plain',
  '',
  'Click here for a Prize today',
  '--b',
  'Content-Type: application/octet-stream; name=invoice.exe',
  'Content-Disposition: attachment; filename=invoice.exe',
  'Content-Transfer-Encoding: base64',
  '',
  'AAECAw==',
  '--b--',
  '',
].join('\r\n');

async function facts(): Promise<MessageFacts> {
  return messageFacts(Buffer.from(MULTIPART), {
    mailFrom: 'bounce@spam.example',
    recipients: ['jane@acme.example', 'john@acme.example', 'hidden@acme.example'],
  });
}

function matches(f: MessageFacts, when: MailRuleClause[], except?: MailRuleClause[]): boolean {
  const c = compileMailRules([{ when, ...(except ? { except } : {}), action: { type: 'hold' } }]);
  assert.ok(c.ok, JSON.stringify(c));
  return evaluateMailRules(c.value, f).disposition.type === 'hold';
}

describe('server mail rules: conditions and operators', () => {
  const cases: [MailRuleClause, boolean][] = [
    [{ field: 'sender', operator: 'contains', value: 'SPAM.example' }, true],
    [{ field: 'sender', operator: 'is', value: 'bounce@spam.example' }, true],
    [{ field: 'sender', operator: 'isNot', value: 'bounce@spam.example' }, false],
    [{ field: 'sender', operator: 'doesNotContain', value: 'acme' }, true],
    [{ field: 'subject', operator: 'contains', value: 'free' }, true],
    [{ field: 'subject', operator: 'is', value: 'free money' }, true],
    [{ field: 'subject', operator: 'is', value: 'free' }, false],
    [{ field: 'subject', operator: 'doesNotContain', value: 'money' }, false],
    [{ field: 'body', operator: 'contains', value: 'prize' }, true],
    [{ field: 'body', operator: 'contains', value: 'invoice' }, false],
    [{ field: 'importance', operator: 'is', value: 'high' }, true],
    [{ field: 'importance', operator: 'isNot', value: 'high' }, false],
    [{ field: 'deliveryPriority', operator: 'is', value: 'high' }, true],
    [{ field: 'to', operator: 'contains', value: 'jane doe' }, true],
    [{ field: 'to', operator: 'is', value: 'jane@acme.example' }, true],
    [{ field: 'to', operator: 'contains', value: 'john' }, false],
    [{ field: 'cc', operator: 'is', value: 'john@acme.example' }, true],
    [{ field: 'bcc', operator: 'is', value: 'hidden@acme.example' }, true],
    [{ field: 'bcc', operator: 'contains', value: 'jane' }, false],
    [{ field: 'toOrCc', operator: 'contains', value: 'john' }, true],
    [{ field: 'toOrCc', operator: 'contains', value: 'hidden' }, false],
    [{ field: 'bodyOrSubject', operator: 'contains', value: 'prize' }, true],
    [{ field: 'bodyOrSubject', operator: 'contains', value: 'money' }, true],
    [{ field: 'internetDomain', operator: 'is', value: 'spam.example' }, true],
    [{ field: 'internetDomain', operator: 'isNot', value: 'spam.example' }, false],
    [{ field: 'size', operator: 'greaterThan', value: 100 }, true],
    [{ field: 'size', operator: 'lessThan', value: 100 }, false],
    [{ field: 'size', operator: 'is', value: Buffer.byteLength(MULTIPART) }, true],
    [{ field: 'size', operator: 'isNot', value: Buffer.byteLength(MULTIPART) }, false],
    [{ field: 'allDocuments' }, true],
    [{ field: 'attachmentName', operator: 'contains', value: '.exe' }, true],
    [{ field: 'attachmentName', operator: 'is', value: 'invoice.exe' }, true],
    [{ field: 'attachmentName', operator: 'doesNotContain', value: '.exe' }, false],
    [{ field: 'attachmentCount', operator: 'is', value: 1 }, true],
    [{ field: 'attachmentCount', operator: 'greaterThan', value: 1 }, false],
    [{ field: 'form', operator: 'is', value: 'memo' }, true],
    [{ field: 'recipientCount', operator: 'is', value: 3 }, true],
    [{ field: 'recipientCount', operator: 'lessThan', value: 3 }, false],
    [{ field: 'anyRecipient', operator: 'is', value: 'hidden@acme.example' }, true],
    [{ field: 'anyRecipient', operator: 'contains', value: 'nobody' }, false],
  ];
  for (const [clause, expected] of cases)
    it(`${clause.field} ${clause.operator ?? ''} ${clause.value ?? ''} -> ${expected}`, async () => {
      assert.equal(matches(await facts(), [clause]), expected);
    });

  it('AND binds tighter than OR; exceptions stop a rule', async () => {
    const f = await facts();
    const yes = { field: 'subject', operator: 'contains', value: 'free' } as const;
    const no = { field: 'subject', operator: 'contains', value: 'nothing' } as const;
    assert.equal(matches(f, [yes, no]), false);
    assert.equal(matches(f, [no, { ...yes, join: 'or' }]), true);
    assert.equal(matches(f, [yes, { ...no, join: 'and' }, { ...yes, join: 'or' }]), true);
    assert.equal(
      matches(f, [yes], [{ field: 'internetDomain', operator: 'is', value: 'spam.example' }]),
      false,
    );
    assert.equal(matches(f, [yes], [no]), true);
  });

  it('priority order: journal accumulates; the first other action decides; the trace says why', async () => {
    const c = compileMailRules([
      { name: 'j', when: [{ field: 'allDocuments' }], action: { type: 'journal' } },
      { name: 'off', enabled: false, when: [{ field: 'allDocuments' }], action: { type: 'dontAccept' } },
      {
        name: 'junk',
        when: [{ field: 'subject', operator: 'contains', value: 'money' }],
        action: { type: 'move', database: 'junk.nsf' },
      },
      { name: 'never', when: [{ field: 'allDocuments' }], action: { type: 'dontAccept' } },
    ]);
    assert.ok(c.ok);
    const v = evaluateMailRules(c.value, await facts());
    assert.equal(v.journal, true);
    assert.deepEqual(v.disposition, { type: 'move', database: 'junk.nsf', rule: 'junk' });
    assert.deepEqual(v.applied, ['j', 'junk']);
    assert.equal(v.trace.length, 2);
    assert.deepEqual(v.trace[1]!.clauses, [{ clause: 'subject contains "money"', result: true }]);
  });

  it('refuses bad rules naming each field, and more than maxRules', () => {
    const bad = compileMailRules([
      { when: [{ field: 'subjekt', operator: 'contains', value: 'x' }], action: { type: 'hold' } },
      { when: [{ field: 'size', operator: 'contains', value: 5 }], action: { type: 'move' } },
      { when: [], action: { type: 'explode' }, extra: 1 },
    ]);
    assert.equal(bad.ok, false);
    if (bad.ok) return;
    assert.equal(bad.reason.code, 'ROUTER_RULES_INVALID');
    for (const p of [
      'rules[0].when[0].field',
      'rules[1].when[0].operator',
      'rules[1].action.database',
      'rules[2].when',
      'rules[2].action.type',
      'rules[2].extra',
    ])
      assert.ok(
        bad.reason.problems.some((x) => x.startsWith(p)),
        p,
      );
    const rule = { when: [{ field: 'allDocuments' }], action: { type: 'journal' } };
    const many = compileMailRules(Array.from({ length: 101 }, () => rule));
    assert.equal(many.ok ? '' : many.reason.code, 'ROUTER_RULES_TOO_MANY');
    assert.ok(compileMailRules(Array.from({ length: 100 }, () => rule)).ok);
    assert.ok(
      compileMailRules(
        Array.from({ length: 101 }, () => rule),
        { maxRules: 200 },
      ).ok,
    );
    const opt = compileMailRules([], { maxRules: 0 });
    assert.equal(opt.ok ? '' : opt.reason.code, 'ROUTER_RULES_BAD_OPTION');
    const json = parseMailRulesJson('{"rules": [');
    assert.equal(json.ok ? '' : json.reason.code, 'ROUTER_RULES_BAD_JSON');
    const fileMax = parseMailRulesJson(JSON.stringify({ maxRules: 1, rules: [rule, rule] }));
    assert.equal(fileMax.ok ? '' : fileMax.reason.code, 'ROUTER_RULES_TOO_MANY');
  });

  it('a message the itemizer cannot read still gets its envelope facts', async () => {
    const f = await messageFacts(Buffer.from('\u0000\u0001garbage'), {
      mailFrom: 'a@b.example',
      recipients: ['x@y'],
    });
    assert.equal(f.internetDomain, 'b.example');
    assert.deepEqual(f.recipients, ['x@y']);
  });

  it('seeded fuzz: random rule JSON never throws, and compiled rules evaluate', async () => {
    const random = seededRandomSource(17);
    const rnd = (n: number): number => Math.floor(random() * n);
    const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
    const f = await facts();
    for (let i = 0; i < 500; i++) {
      const rules = Array.from({ length: rnd(4) }, () => ({
        when: Array.from({ length: rnd(3) }, () => ({
          field: pick(['subject', 'size', 'allDocuments', 'nope', 'body', 'to']),
          operator: pick(['contains', 'is', 'lessThan', 'x', undefined]),
          value: pick(['a', 3, '', -1, null, 'prize']),
          join: pick(['and', 'or', undefined, 'xor']),
        })),
        action: pick([
          { type: 'hold' },
          { type: 'move' },
          { type: 'dontDeliver', ndr: 'x' },
          null,
          { type: 'journal' },
        ]),
      }));
      const c = compileMailRules(rules);
      if (c.ok) evaluateMailRules(c.value, f);
      else assert.ok(c.reason.problems.length > 0);
    }
  });
});
