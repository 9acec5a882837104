import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildRoutingGraph, loadDirectory } from '@mailroute/routing';
import { createFolderJournalStore } from '../../src/journal/journal-store.js';
import { createMemoryMailBox } from '../../src/mailbox/memory.js';
import { createQueueOperator, formatMailStatistics } from '../../src/operator/queue-operator.js';
import { compileMailRules } from '../../src/rules/compile.js';
import { isSingleTextPart, messageFacts } from '../../src/rules/facts.js';
import { staticMailRules } from '../../src/rules/file.js';
import { evaluateMessageRules } from '../../src/rules/on-submit.js';
import { createMemoryTracker } from '../../src/tracking/tracker.js';
import { trackingMailBox } from '../../src/tracking/tracking-mailbox.js';
import { acmeDirectory, FakeClock, harness, message } from '../helpers.js';

function operatorOf(h: ReturnType<typeof harness>) {
  const { directory } = loadDirectory(acmeDirectory({ mx: true }));
  return createQueueOperator({
    router: h.router,
    planner: { directory, graph: buildRoutingGraph(directory, 'CN=Mail1/O=Acme') },
    clock: h.clock,
  });
}

describe('dead mail through the operator', () => {
  it('a null-sender message that fails becomes DEAD (RouterDSNForNULLReversePath=0); release delivers it, delete removes it', async () => {
    const h = harness({ mx: true, postmaster: 'jane@acme.example' });
    const op = operatorOf(h);
    h.agent.script = () => '5xx';
    const fail = () =>
      h.router.submit({
        envelope: { mailFrom: '' },
        recipients: [{ address: 'x@partner.example' }],
        body: message({ Subject: 'Auto' }),
      });
    const original = await fail();
    await h.router.idle();
    // The original's path names the report it caused, dead (no report is sent to <>).
    assert.match(
      h.router.tracker.find(original.id).find((e) => e.kind === 'report')?.detail ?? '',
      /report to jane@acme\.example \(dead\)/,
    );
    const stats = await op.statistics();
    assert.equal(stats['Mail.Dead'], 1);
    assert.match(formatMailStatistics(stats), /Mail\.Dead = 1/);
    const [dead] = await op.list({ state: 'dead' });
    assert.ok(dead);
    await op.release(dead.id);
    await h.router.idle();
    assert.equal(h.mailFiles.to('mail/jane.nsf').length, 1, 'the released report reached the postmaster');
    assert.deepEqual(
      h.router.tracker.find(dead.id).map((e) => `${e.kind} ${e.state ?? ''}`),
      ['released ', 'attempt delivered'],
    );
    assert.equal((await op.statistics())['Mail.Dead'], 0);
    await fail();
    await h.router.idle();
    const [second] = await op.list({ state: 'dead' });
    assert.ok(second);
    await op.remove(second.id);
    assert.equal((await op.statistics())['Mail.Dead'], 0);
    assert.deepEqual(
      h.router.tracker.find(second.id).map((e) => e.kind),
      ['deleted'],
    );
  });

  it('show stat Mail names a destination in retry with its retry time', async () => {
    const h = harness({ mx: true });
    h.agent.script = () => 'down';
    await h.router.submit({
      envelope: { mailFrom: 's@elsewhere.example' },
      recipients: [{ address: 'x@partner.example' }],
      body: message(),
    });
    await h.router.idle();
    const stats = await operatorOf(h).statistics();
    const q = stats.queues.find((x) => x.destination === 'mx:partner.example');
    assert.equal(q?.waiting, 1);
    assert.equal(q?.retryAtMs, h.clock.now() + 15 * 60_000);
    assert.equal(stats['Mail.TransferFailures'], 1);
    assert.equal(stats['Mail.Waiting'], 1);
  });
});

describe('tracking', () => {
  it('the memory tracker is bounded in messages and in events per message, and finds by Message-ID', () => {
    const t = createMemoryTracker({ maxMessages: 3, maxEventsPerMessage: 4 });
    for (let i = 0; i < 5; i++)
      t.record({ queueId: `Q${i}`, atMs: i, kind: 'queued', messageId: `<m${i}@x>` });
    assert.equal(t.find('Q0').length, 0);
    assert.equal(t.find('m4@x').length, 1);
    assert.equal(t.find('<M4@X>').length, 1);
    for (let i = 0; i < 10; i++) t.record({ queueId: 'Q4', atMs: 10 + i, kind: 'attempt' });
    const events = t.find('Q4');
    assert.equal(events.length, 4);
    assert.equal(events[0]!.kind, 'queued', 'the first events are kept');
    assert.equal(events[3]!.atMs, 19, 'and the latest');
    assert.throws(() => createMemoryTracker({ maxMessages: 0 }));
  });

  it('the memory tracker keeps a Message-ID on its own, not the header text it was read from', () => {
    // V8 makes a long substring a slice holding its whole parent: the tracker once kept every
    // remembered message's header block alive through its Message-ID.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const t = createMemoryTracker({ maxMessages: 2_000 });
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 2_000; i++) {
      const headerText = `${'X-Filler: padding\r\n'.repeat(2_500)}Message-ID: <m${i}.unique.part@example.net>\r\n`;
      const at = headerText.indexOf('<m');
      t.record({ queueId: `Q${i}`, atMs: i, kind: 'queued', messageId: headerText.slice(at, at + 30) });
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    // 2,000 header texts of 50 KB would be 100 MB; the ids and their events are well under 5 MB.
    assert.ok(grown < 10_000_000, `the heap grew by ${Math.round(grown / 1e6)} MB`);
    assert.equal(t.find('m1999.unique.part@example.net').length, 1);
  });

  it('the memory tracker gives events back as recorded, and files a message under a Message-ID that comes late', () => {
    const t = createMemoryTracker({ maxMessages: 2, maxEventsPerMessage: 4 });
    const first = {
      queueId: 'Q1',
      atMs: 1,
      kind: 'attempt',
      recipient: 'a@x.example',
      state: 'waiting',
    } as const;
    t.record(first);
    t.record({ queueId: 'Q1', atMs: 2, kind: 'attempt' });
    // The event that files Q1 under its Message-ID is the third, where a full list drops one.
    t.record({ queueId: 'Q1', atMs: 3, kind: 'rule', messageId: '<Late@X>', detail: 'moved' });
    for (let i = 4; i < 10; i++) t.record({ queueId: 'Q1', atMs: i, kind: 'attempt' });
    assert.deepEqual(t.find('Q1')[0], first, 'only the fields recorded, no undefined ones');
    assert.deepEqual(
      t.find('late@x').map((e) => e.atMs),
      [1, 2, 3, 9],
      'the first half, the filing event after it, and the latest',
    );
    // Two queue ids under one Message-ID (a message submitted twice): both found, oldest first;
    // forgetting one leaves the other; forgetting both leaves nothing behind.
    t.record({ queueId: 'Q2', atMs: 20, kind: 'queued', messageId: '<twice@x>' });
    assert.equal(t.find('Q1').length, 4);
    t.record({ queueId: 'Q3', atMs: 15, kind: 'queued', messageId: '<twice@x>' });
    assert.equal(t.find('late@x').length, 0, 'Q1 forgotten with its Message-ID');
    assert.deepEqual(
      t.find('<twice@x>').map((e) => e.queueId),
      ['Q3', 'Q2'],
    );
    t.record({ queueId: 'Q4', atMs: 30, kind: 'queued' });
    assert.deepEqual(
      t.find('<twice@x>').map((e) => e.queueId),
      ['Q3'],
    );
    t.record({ queueId: 'Q5', atMs: 31, kind: 'queued' });
    assert.deepEqual(t.find('<twice@x>'), []);
  });

  it('the memory tracker holds a relayed message in well under 1,160 bytes (the size before it was made compact)', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const t = createMemoryTracker();
    gc();
    const before = process.memoryUsage().heapUsed;
    // The relay benchmark's pattern: a queued and an attempt event a message, texts built anew
    // for each message as the Router builds them.
    for (let i = 0; i < 10_000; i++) {
      const queueId = `Q${(1e15 + i * 7919).toString(16).toUpperCase()}`;
      const recipient = `user${i % 1000}@dest.example`;
      const destination = ['smtp:', 'sink.acme.example'].join('');
      t.record({
        queueId,
        atMs: i,
        kind: 'queued',
        messageId: `<bench.${i}.${'x'.repeat(i % 7)}@load.example>`,
        recipient,
        destination,
        detail: `from [127.0.0.${i % 2}]`,
      });
      t.record({
        queueId: queueId.slice(0),
        atMs: i + 1,
        kind: 'attempt',
        recipient: `user${i % 1000}@dest.example`,
        destination: ['smtp:', 'sink.acme.example'].join(''),
        state: 'delivered',
        reply: [250, '2.0.0', 'Ok: queued'].join(' '),
        remoteMta: ['dns; ', 'sink.acme.example'].join(''),
      });
    }
    gc();
    const perMessage = (process.memoryUsage().heapUsed - before) / 10_000;
    // 1,162 bytes before (the same loop), 701 after.
    assert.ok(perMessage < 900, `${Math.round(perMessage)} bytes a message`);
    assert.equal(t.find('<bench.9999.xxx@load.example>').length, 2);
  });

  it('a tracker that throws never fails the store', async () => {
    const clock = new FakeClock();
    const box = trackingMailBox(
      createMemoryMailBox({ clock }),
      {
        record() {
          throw new Error('broken');
        },
        find: () => [],
      },
      clock,
    );
    const id = await box.enqueue({
      envelope: { mailFrom: '' },
      arrivalMs: 0,
      recipients: [{ address: 'a@b', destination: 'delivery' }],
      body: Buffer.from('x\r\n\r\ny\r\n'),
    });
    await box.hold(id);
    await box.remove(id);
    assert.equal(await box.get(id), undefined);
  });
});

describe('journal store and header-only facts', () => {
  it('the folder journal store writes the copy and its envelope; a bad id is refused', async () => {
    const root = await mkdtemp(join(tmpdir(), 'journal-'));
    try {
      const store = createFolderJournalStore(join(root, 'j'));
      const r = await store.write({
        journalId: 'R1',
        arrivalMs: 0,
        mailFrom: 'a@b',
        recipients: ['c@d'],
        rules: ['j'],
        message: Buffer.from('X: y\r\n\r\nz\r\n'),
      });
      assert.ok(r.ok);
      assert.deepEqual((await readdir(join(root, 'j'))).sort(), ['R1.eml', 'R1.json']);
      assert.equal(JSON.parse(await readFile(join(root, 'j', 'R1.json'), 'utf8')).recipients[0], 'c@d');
      const bad = await store.write({
        journalId: '../x',
        arrivalMs: 0,
        mailFrom: '',
        recipients: [],
        rules: [],
        message: Buffer.alloc(0),
      });
      assert.equal(bad.ok ? '' : bad.reason.code, 'ROUTER_JOURNAL_BAD_ID');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('without body or attachment rules the header block alone gives the same header facts', async () => {
    const body = message({ Subject: 'Figures', Cc: 'john@acme.example' }, 'secret body\r\n');
    const env = { mailFrom: 's@elsewhere.example', recipients: ['jane@acme.example', 'bob@acme.example'] };
    const full = await messageFacts(body, env);
    const head = await messageFacts(body, env, { headerOnly: true });
    assert.deepEqual({ ...head, body: '' }, { ...full, body: '' });
    assert.equal(head.body, '');
    assert.equal(full.body.trim(), 'secret body');
    const rules = compileMailRules([
      { when: [{ field: 'cc', operator: 'is', value: 'john@acme.example' }], action: { type: 'hold' } },
    ]);
    assert.ok(rules.ok && !rules.value.readsContent);
    const v = await evaluateMessageRules(staticMailRules(rules.value), body, env);
    assert.equal(v.disposition.type, 'hold');
  });

  it('attachment rules read only the header block of a single text part, and still see every attachment', async () => {
    const env = { mailFrom: 's@elsewhere.example', recipients: ['jane@acme.example'] };
    const plain = message(
      { Subject: 'Figures', 'Content-Type': 'text/plain; charset=us-ascii' },
      'x.exe\r\n',
    );
    const attached = message(
      { Subject: 'Figures', 'Content-Type': 'application/octet-stream; name=x.exe' },
      'AAAA\r\n',
    );
    const disposed = message(
      {
        Subject: 'Figures',
        'Content-Type': 'text/plain',
        'Content-Disposition': 'attachment; filename=x.exe',
      },
      'hello\r\n',
    );
    const named = message({ Subject: 'Figures', 'Content-Type': 'text/plain; name="x.exe"' }, 'hello\r\n');
    const multipart = message(
      { Subject: 'Figures', 'Content-Type': 'multipart/mixed; boundary=b' },
      '--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/octet-stream; name=x.exe\r\n' +
        'Content-Disposition: attachment; filename=x.exe\r\n\r\nAAAA\r\n--b--\r\n',
    );
    assert.equal(isSingleTextPart(plain), true);
    assert.equal(isSingleTextPart(message({ Subject: 'no type' }, 'hi\r\n')), true);
    for (const m of [attached, disposed, named, multipart]) assert.equal(isSingleTextPart(m), false);
    // Where the shortcut applies, the header block gives the facts the whole message gives.
    const full = await messageFacts(plain, env);
    const head = await messageFacts(plain, env, { headerOnly: true });
    assert.deepEqual({ ...head, body: '' }, { ...full, body: '' });
    const rules = compileMailRules([
      { when: [{ field: 'attachmentName', operator: 'contains', value: '.exe' }], action: { type: 'hold' } },
    ]);
    assert.ok(rules.ok && rules.value.readsContent && !rules.value.readsBody);
    const source = staticMailRules(rules.value);
    assert.equal((await evaluateMessageRules(source, plain, env)).disposition.type, 'route');
    for (const m of [attached, disposed, named, multipart])
      assert.equal((await evaluateMessageRules(source, m, env)).disposition.type, 'hold');
  });
});
