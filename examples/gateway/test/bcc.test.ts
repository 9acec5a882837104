/** What one copy may show: the Bcc header fields removed, the items of a copy (unit, seeded fuzz). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blindOnes, itemsForCopy, withoutBccHeader } from '../src/bcc.js';
import type { StoredItem } from '../src/note-json.js';

const strip = (text: string) => withoutBccHeader(Buffer.from(text, 'latin1')).toString('latin1');

describe('withoutBccHeader', () => {
  it('removes Bcc fields (any case, folded lines too) and nothing else', () => {
    assert.equal(
      strip('Received: x\r\nTo: a@x\r\nBCC: b@x,\r\n c@x\r\nbcc:\r\nSubject: s\r\n\r\nBcc: in the body\r\n'),
      'Received: x\r\nTo: a@x\r\nSubject: s\r\n\r\nBcc: in the body\r\n',
    );
  });
  it('bare LF line ends, a Bcc as the last field, a message without a body', () => {
    assert.equal(strip('To: a\nBcc: b\n\nbody\n'), 'To: a\n\nbody\n');
    assert.equal(strip('To: a\r\nBcc: b\r\n'), 'To: a\r\n');
    assert.equal(strip('Bcc: b'), '');
  });
  it('leaves look-alikes and an unchanged message as the same buffer', () => {
    const raw = Buffer.from('Bccx: 1\r\nX-Bcc: 2\r\nTo: a\r\n\r\nb\r\n');
    assert.equal(withoutBccHeader(raw), raw);
    assert.equal(withoutBccHeader(Buffer.alloc(0)).length, 0);
  });
  it('seeded fuzz: never throws; the body and every non-Bcc field survive byte for byte', () => {
    let seed = 13;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const names = ['To', 'Bcc', 'bcc', 'Cc', 'Subject', 'X-Bcc', 'Bcc ', 'B'];
    for (let round = 0; round < 500; round++) {
      const eol = next(2) === 0 ? '\r\n' : '\n';
      const fields: { text: string; bcc: boolean }[] = [];
      for (let i = next(8); i > 0; i--) {
        const name = names[next(names.length)]!;
        let text = `${name}:${'v'.repeat(next(5))}${eol}`;
        for (let f = next(3); f > 0; f--) text += `${next(2) === 0 ? ' ' : '\t'}fold${eol}`;
        fields.push({ text, bcc: /^bcc ?$/i.test(name) });
      }
      const body = next(3) === 0 ? '' : `${eol}body line${eol}Bcc: not a header${eol}`;
      const input = fields.map((f) => f.text).join('') + body;
      const expected =
        fields
          .filter((f) => !f.bcc)
          .map((f) => f.text)
          .join('') + body;
      assert.equal(strip(input), expected, JSON.stringify(input));
    }
  });
});

describe('itemsForCopy', () => {
  const items: StoredItem[] = [
    { name: 'SendTo', type: 'textList', value: ['a@x'] },
    { name: 'BlindCopyTo', type: 'textList', value: ['b@x', 'c@x'] },
    { name: 'Recipients', type: 'textList', value: ['a@x', 'b@x', 'c@x'] },
    {
      name: 'Body',
      type: 'mimePart',
      value: { path: '', headers: [{ name: 'To' }, { name: 'Bcc' }], text: 'x' },
    },
  ];
  it('a To copy: no Recipients, no BlindCopyTo, no Bcc in the Body headers', () => {
    const out = itemsForCopy(items, blindOnes(['a@x'], ['b@x', 'Cee <c@x>']));
    assert.deepEqual(
      out.map((i) => i.name),
      ['SendTo', 'Body'],
    );
    assert.deepEqual((out[1]!.value as { headers: unknown[] }).headers, [{ name: 'To' }]);
  });
  it('a blind copy names only its own recipient', () => {
    const own = blindOnes(['c@x'], ['b@x', 'Cee <c@x>']);
    assert.deepEqual(own, ['c@x']);
    const out = itemsForCopy(items, own);
    assert.deepEqual(out.find((i) => i.name === 'BlindCopyTo')?.value, ['c@x']);
  });
});
