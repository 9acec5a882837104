/**
 * What a decoded TNEF message becomes in a note: MIME parts for its body (HTML, else text), a
 * text/calendar part for an appointment, and attachments (`Body` parts plus `$FILE` items). An
 * embedded message (PR_ATTACH_DATA_OBJ with IID_IMessage) becomes a message/rfc822 part holding
 * the same again, so it travels as a real message when the note is sent on.
 */

import libmime from 'libmime';
import { vcalendar } from '../build/calendar.js';
import { decodeText } from '../entity/charset.js';
import { uniqueName } from '../note/inbound.js';
import type { Item, MimePart } from '../note/note.js';
import { tnefCalendarEvent } from './calendar.js';
import type { TnefMessage } from './decode.js';

/** The parts and files of a TNEF message, in note order. */
export interface TnefContent {
  readonly parts: Item[];
  readonly files: Item[];
}

function leaf(path: string, mediaType: string, content: Buffer, extra: Partial<MimePart>): MimePart {
  return {
    path,
    headers: [],
    mediaType,
    params: {},
    transferEncoding: '',
    size: content.length,
    content,
    ...extra,
  };
}

function container(path: string, mediaType: string, extra: Partial<MimePart> = {}): MimePart {
  return { path, headers: [], mediaType, params: {}, transferEncoding: '', size: 0, ...extra };
}

const body = (value: MimePart): Item => ({ name: 'Body', type: 'mimePart', value });

/**
 * Maps a TNEF message. `nextPath` hands out the path of each new top-level part; `used` holds
 * the file names already in the note (lower case); `attachRtf` is TNEFAttachRTF.
 */
export function tnefContent(
  msg: TnefMessage,
  nextPath: () => string,
  used: Set<string>,
  attachRtf: boolean,
  depth = 0,
): TnefContent {
  const parts: Item[] = [];
  const files: Item[] = [];
  if (msg.bodyHtml !== undefined) {
    const text = decodeText(msg.bodyHtml, undefined, { autoDetect: true, fallback: 'windows-1252' });
    parts.push(body(leaf(nextPath(), 'text/html', msg.bodyHtml, { text: text.text, charset: text.charset })));
  } else if (msg.bodyText !== undefined) {
    const bytes = Buffer.from(msg.bodyText, 'utf8');
    parts.push(
      body(
        leaf(nextPath(), 'text/plain', bytes, {
          text: msg.bodyText,
          charset: 'utf-8',
          params: { charset: 'utf-8' },
        }),
      ),
    );
  }
  const event = tnefCalendarEvent(msg);
  if (event !== undefined) {
    const ics = Buffer.from(vcalendar(event), 'utf8');
    parts.push(
      body(
        leaf(nextPath(), 'text/calendar', ics, {
          text: ics.toString('utf8'),
          charset: 'utf-8',
          params: { charset: 'utf-8', method: event.method },
        }),
      ),
    );
  }
  for (const a of msg.attachments) {
    if (a.embedded?.valid === true && depth < 8) {
      // message/rfc822 > multipart/mixed (the embedded message's header) > its own content.
      const path = nextPath();
      let k = 0;
      const inner = tnefContent(a.embedded, () => `${path}.1.${++k}`, used, attachRtf, depth + 1);
      const subject = a.embedded.subject ?? a.fileName;
      parts.push(body(container(path, 'message/rfc822')));
      parts.push(
        body(
          container(`${path}.1`, 'multipart/mixed', {
            headers: [{ name: 'Subject', value: subject, raw: subject }],
          }),
        ),
      );
      parts.push(...inner.parts);
      files.push(...inner.files);
      continue;
    }
    addFile(a.fileName, a.mediaType, a.data, a.contentId);
  }
  if (attachRtf && msg.bodyRtf !== undefined)
    addFile('message_body.rtf', 'application/rtf', msg.bodyRtf, undefined);
  return { parts, files };

  function addFile(name: string, type: string | undefined, data: Buffer, cid: string | undefined): void {
    const fileName = uniqueName(name, used);
    const mediaType = type ?? libmime.detectMimeType(fileName) ?? 'application/octet-stream';
    const path = nextPath();
    parts.push(
      body(
        leaf(path, mediaType, data, {
          attachment: fileName,
          disposition: 'attachment',
          params: { name: fileName },
        }),
      ),
    );
    files.push({
      name: '$FILE',
      type: 'attachment',
      value: {
        fileName,
        mediaType,
        size: data.length,
        content: data,
        streamed: false,
        part: path,
        ...(cid === undefined ? {} : { contentId: cid }),
      },
    });
  }
}
