/** Raw capture per SmtpSaveImportErrors 1/2/3 and SMTPSaveFileFrom, through the storage interface. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Replies } from '@mailroute/envelope';
import type { CaptureStorage, CaptureWriter } from '../src/capture.js';
import { RecordingBackend, startSession } from './harness.js';

class MemoryStorage implements CaptureStorage {
  readonly kept = new Map<string, string>();
  readonly open = async (id: string): Promise<CaptureWriter> => {
    const chunks: Buffer[] = [];
    return {
      write: (c) => {
        chunks.push(Buffer.from(c));
      },
      keep: async () => {
        this.kept.set(id, Buffer.concat(chunks).toString());
      },
      discard: async () => {},
    };
  };
}

async function run(saveImportErrors: 0 | 1 | 2 | 3, saveFileFrom?: string) {
  const storage = new MemoryStorage();
  const b = new RecordingBackend();
  b.dataReply = (body) => (body.includes('refuse me') ? Replies.transactionFailed : undefined);
  const h = await startSession({ capture: { saveImportErrors, saveFileFrom, storage } }, b);
  await h.send('EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\nfine\r\n.\r\n');
  await h.send('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\nrefuse me\r\n.\r\n');
  await h.send('MAIL FROM:<Audit@Example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\naudited\r\n.\r\n');
  return [...storage.kept.keys()].sort();
}

describe('raw capture', () => {
  it('1 and 3 keep refused messages only, 2 keeps all', async () => {
    assert.deepEqual(await run(1), ['ID2']);
    assert.deepEqual(await run(3), ['ID2']);
    assert.deepEqual(await run(2), ['ID1', 'ID2', 'ID3']);
  });
  it('SMTPSaveFileFrom keeps a matching sender anyway (case-insensitive)', async () => {
    assert.deepEqual(await run(1, 'audit@'), ['ID2', 'ID3']);
  });
  it('the captured text is the message as the backend got it, Received header first', async () => {
    const storage = new MemoryStorage();
    const h = await startSession({ capture: { saveImportErrors: 2, storage } });
    await h.send('EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n..x\r\n.\r\n');
    assert.equal(storage.kept.get('ID1'), h.backend.messages[0].body.toString());
  });
});
