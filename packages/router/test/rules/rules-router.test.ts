import assert from 'node:assert/strict';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Logger } from '@mailroute/envelope';
import { buildRoutingGraph, loadDirectory } from '@mailroute/routing';
import type { JournalEntry, JournalStore } from '../../src/journal/journal-store.js';
import { createQueueOperator } from '../../src/operator/queue-operator.js';
import { routingLogger } from '../../src/operator/routing-log.js';
import { type CompiledMailRules, compileMailRules } from '../../src/rules/compile.js';
import { watchMailRulesFile } from '../../src/rules/file.js';
import type { MailRule } from '../../src/rules/types.js';
import { acmeDirectory, FakeClock, harness, MemoryMailFiles, message } from '../helpers.js';

function rules(list: MailRule[]): CompiledMailRules {
  const c = compileMailRules(list);
  assert.ok(c.ok);
  return c.value;
}
const spam: MailRule['when'] = [{ field: 'subject', operator: 'contains', value: 'spam' }];
class Journal implements JournalStore {
  readonly entries: JournalEntry[] = [];
  fail = false;
  async write(e: JournalEntry) {
    if (this.fail)
      return { ok: false as const, reason: { code: 'X', message: 'disk full', temporary: true } };
    this.entries.push(e);
    return { ok: true as const, value: undefined };
  }
}
const submitSpam = (h: ReturnType<typeof harness>) =>
  h.router.submit({
    envelope: { mailFrom: 'sender@elsewhere.example' },
    recipients: [{ address: 'jane@acme.example' }],
    body: message({ Subject: 'spam offer' }),
  });

describe('server mail rules in the Router', () => {
  it('Journal: a copy in the journal store, and the message is still delivered; a failed journal is a 451', async () => {
    const journal = new Journal();
    const h = harness({ rules: rules([{ when: spam, action: { type: 'journal' } }]), journal });
    await submitSpam(h);
    await h.router.idle();
    assert.equal(journal.entries.length, 1);
    assert.deepEqual(journal.entries[0]!.recipients, ['jane@acme.example']);
    assert.equal(h.mailFiles.to('mail/jane.nsf').length, 1);
    journal.fail = true;
    await assert.rejects(
      submitSpam(h),
      (e: { code: string; reply: { code: number } }) =>
        e.code === 'ROUTER_JOURNAL_FAILED' && e.reply.code === 451,
    );
    assert.equal((await h.router.status()).rules.journaled, 1);
  });

  it("Don't accept: submit refuses with 554 5.7.1 and nothing is queued; evaluateRules says so before", async () => {
    const h = harness({ rules: rules([{ when: spam, action: { type: 'dontAccept' } }]) });
    const v = await h.router.evaluateRules({
      envelope: { mailFrom: 'a@b.example' },
      recipients: [{ address: 'jane@acme.example' }],
      body: message({ Subject: 'spam' }),
    });
    assert.equal(v.disposition.type, 'dontAccept');
    await assert.rejects(
      submitSpam(h),
      (e: { code: string; reply: { code: number; enhanced: string } }) =>
        e.code === 'ROUTER_RULE_REFUSED' && e.reply.code === 554,
    );
    assert.equal((await h.mailBox.counts()).messages, 0);
    // A verdict passed in is applied without evaluating again (evaluated once).
    await h.router.submit({
      envelope: { mailFrom: 'a@b.example' },
      recipients: [{ address: 'jane@acme.example' }],
      body: message({ Subject: 'spam' }),
      ruleVerdict: { journal: false, disposition: { type: 'route' }, applied: [], trace: [] },
    });
    await h.router.idle();
    assert.equal(h.mailFiles.deliveries.length, 1);
  });

  it('Move to database: into the database, not to the recipient', async () => {
    const databases = new MemoryMailFiles();
    const h = harness({
      rules: rules([{ when: spam, action: { type: 'move', database: 'junk.nsf' } }]),
      ruleDatabases: databases,
    });
    const r = await submitSpam(h);
    await h.router.idle();
    assert.equal(databases.to('junk.nsf').length, 1);
    assert.equal(h.mailFiles.deliveries.length, 0);
    assert.equal(r.recipients[0]!.destination, 'database:junk.nsf');
    assert.equal(h.router.tracker.find(r.id)[0]?.kind, 'rule');
  });

  it("Don't deliver: silently deleted (counted, tracked), or failed with an NDR to the sender", async () => {
    const h = harness({ rules: rules([{ when: spam, action: { type: 'dontDeliver' } }]) });
    const r = await submitSpam(h);
    await h.router.idle();
    assert.equal(h.mailFiles.deliveries.length, 0);
    assert.equal((await h.mailBox.counts()).messages, 0);
    assert.equal((await h.router.status()).rules.ruleDeleted, 1);
    assert.match(h.router.tracker.find('<m1@elsewhere.example>')[0]?.detail ?? '', /deleted by mail rule/);
    assert.equal(r.recipients[0]!.destination, 'rule:deleted');
    const n = harness({
      mx: true,
      rules: rules([{ when: spam, action: { type: 'dontDeliver', ndr: true } }]),
    });
    await submitSpam(n);
    await n.router.idle();
    assert.equal(n.mailFiles.deliveries.length, 0);
    const ndr = n.agent.calls.find((c) => c.envelope.recipients[0]?.address === 'sender@elsewhere.example');
    assert.ok(ndr, 'a report went to the sender');
    assert.match(ndr.message.toString(), /5\.7\.1/);
  });

  it('HOLD: kept until released through the operator, tracked; delete and reroute; show stat Mail', async () => {
    const h = harness({ rules: rules([{ when: spam, action: { type: 'hold' } }]) });
    const { directory } = loadDirectory(acmeDirectory());
    const op = createQueueOperator({
      router: h.router,
      planner: { directory, graph: buildRoutingGraph(directory, 'CN=Mail1/O=Acme') },
      clock: h.clock,
    });
    const r = await submitSpam(h);
    await h.router.idle();
    assert.equal(h.mailFiles.deliveries.length, 0);
    const stats = await op.statistics();
    assert.equal(stats['Mail.Held'], 1);
    assert.equal((await op.list({ state: 'held' }))[0]?.id, r.id);
    await op.release(r.id);
    await h.router.idle();
    assert.equal(h.mailFiles.deliveries.length, 1);
    assert.equal((await op.statistics())['Mail.Delivered'], 1);
    const kinds = h.router.tracker.find(r.id).map((e) => e.kind);
    assert.deepEqual(kinds, ['held', 'released', 'attempt']);
    const second = await submitSpam(h);
    const moved = await op.reroute(second.id);
    assert.deepEqual(
      moved.map((m) => m.destination),
      ['delivery'],
    );
    await h.router.idle();
    assert.equal(h.mailFiles.deliveries.length, 2);
    const third = await submitSpam(h);
    await op.remove(third.id);
    assert.equal(await op.show(third.id), undefined);
    await assert.rejects(op.remove(third.id), (e: { code: string }) => e.code === 'MAILBOX_NOT_FOUND');
  });

  it('tracking shows each attempt with its reply', async () => {
    const h = harness({ mx: true });
    h.agent.script = () => '4xx';
    const r = await h.router.submit({
      envelope: { mailFrom: 's@elsewhere.example' },
      recipients: [{ address: 'x@other.example' }],
      body: message(),
    });
    await h.router.idle();
    const attempt = h.router.tracker.find(r.id).find((e) => e.kind === 'attempt');
    assert.equal(attempt?.reply, '451 4.3.0 Try again later');
    assert.equal(attempt?.state, 'waiting');
  });
});

describe('rules file reload without a restart', () => {
  it('reloads a changed file; keeps the last good rules when the new one is broken (logged)', async () => {
    const clock = new FakeClock();
    const files = new Map<string, { text: string; mtimeMs: number }>();
    const put = (text: string) => files.set('/r.json', { text, mtimeMs: clock.now() });
    const fs = {
      async stat(p: string) {
        const f = files.get(p);
        if (!f) throw new Error('ENOENT');
        return { mtimeMs: f.mtimeMs, size: f.text.length };
      },
      async readFile(p: string) {
        const f = files.get(p);
        if (!f) throw new Error('ENOENT');
        return f.text;
      },
    };
    const errors: string[] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn() {},
      error: (_c, m) => errors.push(m),
      child: () => logger,
    };
    put(JSON.stringify({ rules: [{ when: spam, action: { type: 'hold' } }] }));
    const w = await watchMailRulesFile({ path: '/r.json', fs, clock, pollIntervalMs: 1000, logger });
    assert.ok(w.ok);
    const watcher = w.value;
    const h = harness({ rules: watcher });
    await submitSpam(h);
    assert.equal((await h.mailBox.counts()).recipients.held, 1);
    clock.advance(10);
    put(JSON.stringify([{ when: spam, action: { type: 'dontAccept' } }]));
    clock.advance(1000);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(watcher.generation, 2);
    await assert.rejects(submitSpam(h), (e: { code: string }) => e.code === 'ROUTER_RULE_REFUSED');
    clock.advance(10);
    put('[{"when": [{"field": "bogus"}], "action": {"type": "hold"}}]');
    assert.equal(await watcher.check(), false);
    assert.equal(watcher.lastError?.code, 'ROUTER_RULES_INVALID');
    assert.equal(errors.length, 1);
    await assert.rejects(submitSpam(h), (e: { code: string }) => e.code === 'ROUTER_RULE_REFUSED');
    watcher.close();
  });
});

describe('rules file on disk', () => {
  it('a real file edited in place is reloaded by the next check; a missing first file is refused', async () => {
    const root = await mkdtemp(join(tmpdir(), 'rules-'));
    try {
      const path = join(root, 'rules.json');
      const missing = await watchMailRulesFile({ path });
      assert.equal(missing.ok ? '' : missing.reason.code, 'ROUTER_RULES_UNREADABLE');
      await writeFile(path, JSON.stringify([{ when: spam, action: { type: 'hold' } }]));
      const w = await watchMailRulesFile({ path, pollIntervalMs: 60_000 });
      assert.ok(w.ok);
      assert.equal(w.value.current().rules[0]?.action.type, 'hold');
      await writeFile(
        path,
        JSON.stringify({
          rules: [
            { when: spam, action: { type: 'dontDeliver', ndr: true } },
            { when: spam, action: { type: 'journal' } },
          ],
        }),
      );
      await utimes(path, new Date(), new Date(Date.now() + 5000));
      assert.equal(await w.value.check(), true);
      assert.equal(w.value.current().rules.length, 2);
      w.value.close();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('routing log levels', () => {
  it('Log_MailRouting 10/20/30/40 and DebugRouter filter what reaches the logger', () => {
    const seen: string[] = [];
    const base: Logger = {
      debug: (_c, m) => seen.push(`debug ${m}`),
      info: (_c, m) => seen.push(`info ${m}`),
      warn: (_c, m) => seen.push(`warn ${m}`),
      error: (_c, m) => seen.push(`error ${m}`),
      child: () => base,
    };
    const emit = (l: Logger) => {
      l.error({}, 'e');
      l.warn({}, 'w');
      l.info({}, 'i');
      l.info({}, 'Router: stopped');
      l.debug({}, 'd');
    };
    const run = (o: Parameters<typeof routingLogger>[1]) => {
      seen.length = 0;
      emit(routingLogger(base, o).child({}));
      return seen.join(',');
    };
    assert.equal(run({ logMailRouting: 10 }), 'error e,info Router: stopped');
    assert.equal(run({ logMailRouting: 20 }), 'error e,warn w,info Router: stopped');
    assert.equal(run({ logMailRouting: 30 }), 'error e,warn w,info i,info Router: stopped');
    assert.equal(run({ logMailRouting: 40 }), 'error e,warn w,info i,info Router: stopped,debug d');
    assert.equal(run({ logMailRouting: 10, debugRouter: 1 }), 'error e,info Router: stopped,debug d');
    assert.throws(() => routingLogger(base, { logMailRouting: 15 as 10 }), { code: 'ROUTER_BAD_OPTION' });
  });
});
