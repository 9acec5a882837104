/**
 * TNEF stream decoder (MS-OXTNEF): a signature, a legacy key, then attributes (level, id, length,
 * data, checksum). Attachments get their long file names, media types and data; the message body
 * comes as text, HTML and decompressed RTF; embedded messages are decoded recursively. A damaged
 * stream yields what could be read plus defects: never a throw, never an unbounded allocation.
 */

import iconv from 'iconv-lite';
import type { Defect, DefectCode } from '../defects.js';
import {
  type MapiProperty,
  type MapiValue,
  PT,
  prop,
  readMapiProperties,
  readRecipientTable,
  TnefBoundsError,
} from './mapi.js';
import { DEFAULT_TNEF_OPTIONS, type TnefOptions } from './options.js';
import { decompressRtf } from './rtf.js';

const SIGNATURE = 0x223e9f78;
const LVL_MESSAGE = 1;
const LVL_ATTACHMENT = 2;

/** TNEF attribute ids (low 16 bits of the attribute id). */
const ATT = {
  FROM: 0x8000,
  SUBJECT: 0x8004,
  DATE_SENT: 0x8005,
  MESSAGE_CLASS: 0x8008,
  BODY: 0x800c,
  ATTACH_DATA: 0x800f,
  ATTACH_TITLE: 0x8010,
  ATTACH_RENDDATA: 0x9002,
  MSG_PROPS: 0x9003,
  RECIP_TABLE: 0x9004,
  ATTACHMENT: 0x9005,
  OEM_CODEPAGE: 0x9007,
} as const;

/** MAPI property ids used here. */
const PR = {
  SUBJECT: 0x0037,
  MESSAGE_CLASS: 0x001a,
  BODY: 0x1000,
  RTF_COMPRESSED: 0x1009,
  BODY_HTML: 0x1013,
  DISPLAY_NAME: 0x3001,
  ATTACH_DATA: 0x3701,
  ATTACH_FILENAME: 0x3704,
  ATTACH_LONG_FILENAME: 0x3707,
  ATTACH_MIME_TAG: 0x370e,
  ATTACH_CONTENT_ID: 0x3712,
} as const;

/** IID_IMessage: a PR_ATTACH_DATA_OBJ holding an embedded TNEF message. */
const IID_IMESSAGE = '0703020000000000c000000000000046';

/** One attachment of a TNEF stream. */
export interface TnefAttachment {
  /** Long file name when present (PR_ATTACH_LONG_FILENAME), else the title, else a display name. */
  fileName: string;
  /** PR_ATTACH_MIME_TAG, when the sender set one. */
  mediaType?: string;
  /** The attachment bytes (for an embedded object: the whole object, its 16-byte IID first). */
  data: Buffer;
  /** PR_ATTACH_CONTENT_ID. */
  contentId?: string;
  /** The decoded embedded message, for PR_ATTACH_DATA_OBJ with IID_IMessage. */
  embedded?: TnefMessage;
  /** The attachment's MAPI properties. */
  properties: MapiProperty[];
}

/** One row of the recipient table. */
export interface TnefRecipient {
  /** PR_DISPLAY_NAME. */
  readonly name: string;
  /** PR_SMTP_ADDRESS, else PR_EMAIL_ADDRESS ("" when neither is there). */
  readonly address: string;
  /** PR_RECIPIENT_TYPE: 1 To, 2 Cc, 3 Bcc (0 when absent). */
  readonly type: number;
}

function recipientOf(props: MapiProperty[]): TnefRecipient {
  const str = (id: number): string | undefined => {
    const v = prop(props, id);
    return typeof v === 'string' ? v : undefined;
  };
  const type = prop(props, 0x0c15);
  return {
    name: str(0x3001) ?? '',
    address: str(0x39fe) ?? str(0x3003) ?? '',
    type: typeof type === 'number' ? type : 0,
  };
}

/** A decoded TNEF message. */
export interface TnefMessage {
  /** False when the input is not TNEF at all (bad signature or too short). */
  readonly valid: boolean;
  messageClass?: string;
  subject?: string;
  /** Plain-text body (PR_BODY or attBody). */
  bodyText?: string;
  /** HTML body bytes (PR_BODY_HTML / PR_HTML), in the sender's charset. */
  bodyHtml?: Buffer;
  /** Decompressed RTF body (PR_RTF_COMPRESSED). */
  bodyRtf?: Buffer;
  readonly attachments: TnefAttachment[];
  /** The recipient table (attRecipTable), for meeting requests its attendees. */
  readonly recipients: TnefRecipient[];
  /** The message-level MAPI properties. */
  readonly properties: MapiProperty[];
  /** What was wrong with the stream. */
  readonly defects: Defect[];
}

function asString(v: MapiValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * Decodes a TNEF stream (winmail.dat). Options are Domino's TNEF switches; only
 * `verifyChecksums` and `maxDepth` matter to decoding itself.
 */
export function decodeTnef(bytes: Buffer | Uint8Array, options: Partial<TnefOptions> = {}): TnefMessage {
  const opts = { ...DEFAULT_TNEF_OPTIONS, ...options };
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return decodeAt(buf, opts, 0, '');
}

function decodeAt(buf: Buffer, opts: TnefOptions, depth: number, part: string): TnefMessage {
  const defects: Defect[] = [];
  const seen = new Set<string>();
  const defect = (code: DefectCode, message: string): void => {
    if (seen.has(code)) return;
    seen.add(code);
    defects.push({ code, message, part });
  };
  const msg: TnefMessage = { valid: false, attachments: [], recipients: [], properties: [], defects };
  if (buf.length < 6 || buf.readUInt32LE(0) !== SIGNATURE) {
    defect('tnef-invalid', 'not a TNEF stream (signature 0x223E9F78 missing)');
    return msg;
  }
  (msg as { valid: boolean }).valid = true;
  let codepage = 'windows-1252';
  const decode8 = (b: Buffer): string => iconv.decode(b, codepage);
  let current: TnefAttachment | undefined;
  let title: string | undefined;
  let pos = 6;
  while (pos < buf.length) {
    if (buf.length - pos < 9) {
      // Shorter than an attribute header: padding some encoders add (1-2 bytes seen), not a cut attribute.
      defect('tnef-trailing-data', `${buf.length - pos} bytes after the last attribute ignored`);
      break;
    }
    const level = buf[pos] as number;
    const id = buf.readUInt32LE(pos + 1) & 0xffff;
    const size = buf.readUInt32LE(pos + 5);
    if (level !== LVL_MESSAGE && level !== LVL_ATTACHMENT) {
      defect('tnef-invalid', `attribute level ${level} at offset ${pos}; rest of the stream ignored`);
      break;
    }
    if (size > buf.length - pos - 11) {
      defect('tnef-truncated', `attribute 0x${id.toString(16)} at offset ${pos} runs past the end`);
      break;
    }
    const data = buf.subarray(pos + 9, pos + 9 + size);
    const checksum = buf.readUInt16LE(pos + 9 + size);
    pos += 11 + size;
    if (opts.verifyChecksums) {
      let sum = 0;
      for (let i = 0; i < data.length; i++) sum += data[i] as number;
      if ((sum & 0xffff) !== checksum)
        defect('tnef-checksum', `attribute 0x${id.toString(16)} has a bad checksum`);
    }
    try {
      if (level === LVL_MESSAGE) {
        switch (id) {
          case ATT.OEM_CODEPAGE: {
            if (data.length >= 4) {
              const cp = data.readUInt32LE(0);
              const name = cp === 65001 ? 'utf-8' : `cp${cp}`;
              if (iconv.encodingExists(name)) codepage = name;
            }
            break;
          }
          case ATT.MESSAGE_CLASS:
            msg.messageClass = decode8(data).replace(/\0+$/, '');
            break;
          case ATT.SUBJECT:
            msg.subject = decode8(data).replace(/\0+$/, '');
            break;
          case ATT.BODY:
            msg.bodyText ??= decode8(data).replace(/\0+$/, '');
            break;
          case ATT.RECIP_TABLE:
            msg.recipients.push(...readRecipientTable(data, decode8).map(recipientOf));
            break;
          case ATT.MSG_PROPS:
            readMessageProps(msg, readMapiProperties(data, decode8), defect);
            break;
          default:
            break;
        }
      } else {
        switch (id) {
          case ATT.ATTACH_RENDDATA:
            current = { fileName: '', data: Buffer.alloc(0), properties: [] };
            title = undefined;
            msg.attachments.push(current);
            break;
          case ATT.ATTACH_TITLE:
            title = decode8(data).replace(/\0+$/, '');
            if (current !== undefined && current.fileName === '') current.fileName = title;
            break;
          case ATT.ATTACH_DATA:
            if (current !== undefined) current.data = Buffer.from(data);
            break;
          case ATT.ATTACHMENT:
            if (current !== undefined)
              readAttachmentProps(current, readMapiProperties(data, decode8), opts, depth, part, defects);
            break;
          default:
            break;
        }
      }
    } catch (err) {
      if (!(err instanceof TnefBoundsError)) throw err;
      defect('tnef-truncated', `attribute 0x${id.toString(16)}: ${err.message}`);
    }
  }
  for (const [i, a] of msg.attachments.entries()) {
    if (a.fileName === '')
      a.fileName = msg.attachments.length > 1 ? `Untitled Attachment ${i + 1}` : 'Untitled Attachment';
  }
  return msg;
}

function readMessageProps(
  msg: TnefMessage,
  props: MapiProperty[],
  defect: (c: DefectCode, m: string) => void,
): void {
  msg.properties.push(...props);
  const body = asString(prop(props, PR.BODY));
  if (body !== undefined) msg.bodyText = body;
  const html = prop(props, PR.BODY_HTML);
  if (Buffer.isBuffer(html)) msg.bodyHtml = Buffer.from(html);
  else if (typeof html === 'string') msg.bodyHtml = Buffer.from(html, 'utf8');
  const rtf = prop(props, PR.RTF_COMPRESSED);
  if (Buffer.isBuffer(rtf)) {
    const r = decompressRtf(rtf);
    msg.bodyRtf = r.rtf;
    if (r.problem !== undefined) defect('tnef-rtf', r.problem);
  }
  msg.subject ??= asString(prop(props, PR.SUBJECT));
  msg.messageClass ??= asString(prop(props, PR.MESSAGE_CLASS));
}

function readAttachmentProps(
  att: TnefAttachment,
  props: MapiProperty[],
  opts: TnefOptions,
  depth: number,
  part: string,
  defects: Defect[],
): void {
  att.properties.push(...props);
  const name =
    asString(prop(props, PR.ATTACH_LONG_FILENAME)) ??
    (att.fileName === ''
      ? (asString(prop(props, PR.ATTACH_FILENAME)) ?? asString(prop(props, PR.DISPLAY_NAME)))
      : undefined);
  if (name !== undefined && name !== '') att.fileName = name;
  const mime = asString(prop(props, PR.ATTACH_MIME_TAG));
  if (mime !== undefined && mime !== '') att.mediaType = mime.toLowerCase();
  const cid = asString(prop(props, PR.ATTACH_CONTENT_ID));
  if (cid !== undefined && cid !== '') att.contentId = cid;
  const dataProp = props.find((p) => p.id === PR.ATTACH_DATA && p.named === undefined);
  const data = dataProp?.values[0];
  if (Buffer.isBuffer(data)) {
    if (dataProp?.type === PT.OBJECT && data.length >= 16) {
      const iid = data.subarray(0, 16).toString('hex');
      // The object is written whole (IID included), as Debian's tnef writes it.
      att.data = Buffer.from(data);
      if (iid === IID_IMESSAGE && depth < opts.maxDepth) {
        att.embedded = decodeAt(att.data.subarray(16), opts, depth + 1, part);
        defects.push(...att.embedded.defects);
      }
    } else if (att.data.length === 0) {
      att.data = Buffer.from(data);
    }
  }
}
