/**
 * The entity layer: receives the raw scanner's events, reads each entity's Content-* headers,
 * decodes bodies (transfer encoding, then charset for text), and either keeps attachment bytes
 * or streams them to the caller's consumer.
 */

import libmime from 'libmime';
import type { DefectCode, DefectLog } from '../defects.js';
import { decodeText } from '../entity/charset.js';
import { type ContentTransferDecoder, contentTransferDecoder } from '../entity/content-transfer-encoding.js';
import { mediaType, parseStructured } from '../entity/content-type.js';
import { decodeEncodedWords, headerBytesToString, unfold } from '../entity/header-text.js';
import type { HeaderField } from '../note/note.js';
import type { RawField } from '../raw/header-block.js';
import type { BodyRegion, EntityShape, ScanHandler } from '../raw/scanner.js';
import type { AttachmentSink, ParseOptions } from './options.js';

/** Everything the parser learned about one MIME entity. */
export interface ParsedEntity {
  readonly path: string;
  readonly depth: number;
  readonly parent: ParsedEntity | undefined;
  readonly headers: HeaderField[];
  readonly mediaType: string;
  readonly params: Record<string, string>;
  readonly disposition: string | undefined;
  readonly dispositionParams: Record<string, string>;
  readonly transferEncoding: string;
  readonly kind: 'multipart' | 'message' | 'leaf';
  readonly children: ParsedEntity[];
  readonly attachment: boolean;
  fileName: string | undefined;
  preamble: Buffer[];
  epilogue: Buffer[];
  preambleSize: number;
  epilogueSize: number;
  chunks: Buffer[];
  size: number;
  content: Buffer | undefined;
  text: string | undefined;
  charset: string | undefined;
  streamed: boolean;
  decoder: ContentTransferDecoder | undefined;
  sink: AttachmentSink | undefined;
}

const TEXT_INLINE = /^text\//;

/** Bytes of a multipart preamble or epilogue kept on the part. */
const MAX_PREAMBLE = 64 * 1024;

/**
 * Whether a leaf becomes a `$FILE` attachment: anything marked `attachment`; any non-text leaf
 * (a message/delivery-status report stays in the body); a named text leaf not marked inline
 * (text/calendar always stays in the body, as Domino keeps calendar parts).
 */
function isAttachment(type: string, disposition: string | undefined, named: boolean): boolean {
  if (disposition === 'attachment') return true;
  if (!TEXT_INLINE.test(type)) return type !== 'message/delivery-status';
  return named && disposition !== 'inline' && type !== 'text/calendar';
}

/** Implements the scanner's handler; `pending` holds consumer promises the caller awaits. */
export class EntityHandler implements ScanHandler<ParsedEntity> {
  root: ParsedEntity | undefined;
  readonly pending: Promise<void>[] = [];
  private attachmentCount = 0;

  constructor(
    private readonly options: ParseOptions,
    private readonly defects: DefectLog,
    private readonly keepForTnef: boolean,
  ) {}

  defect(code: DefectCode, message: string, part: string): void {
    this.defects.add(code, message, part);
  }

  entity(
    fields: RawField[],
    path: string,
    depth: number,
    parent: ParsedEntity | undefined,
    canNest: boolean,
  ): { state: ParsedEntity; shape: EntityShape } {
    const fallback = this.options.fallbackCharset ?? 'windows-1252';
    const headers: HeaderField[] = fields.map((f) => {
      const { text, undeclared8bit } = headerBytesToString(f.value, fallback);
      if (undeclared8bit)
        this.defect('undeclared-8bit', `8-bit bytes that are not UTF-8 in header ${f.name}`, path);
      const unfolded = unfold(text).trim();
      return { name: f.name, value: decodeEncodedWords(unfolded), raw: text };
    });
    const find = (name: string): HeaderField | undefined =>
      headers.find((h) => h.name.toLowerCase() === name);
    const ctField = find('content-type');
    let ct = ctField === undefined ? { value: '', params: {} } : parseStructured(unfold(ctField.raw).trim());
    const defaultType = parent?.mediaType === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
    let type = ct.value === '' ? defaultType : mediaType(ct.value, 'text/plain');
    if (ct.value !== '' && type !== ct.value.trim()) {
      this.defect('invalid-header-line', `malformed Content-Type "${ct.value}", read as ${type}`, path);
      if (ct.value.startsWith(type)) {
        // "application/pdf name=x.pdf": read the parameters after the type as if the ";" were there.
        ct = parseStructured(`${type}; ${ct.value.slice(type.length)}`);
        ct = { value: type, params: { ...ct.params } };
      }
    }
    const dispField = find('content-disposition');
    const disp = dispField === undefined ? undefined : parseStructured(unfold(dispField.raw).trim());
    const cteField = find('content-transfer-encoding');
    let cte = cteField === undefined ? '' : cteField.value.trim().toLowerCase();
    let decoder = contentTransferDecoder(cte);
    if (decoder === undefined) {
      this.defect(
        'unknown-transfer-encoding',
        `unknown Content-Transfer-Encoding "${cte}", body kept as is`,
        path,
      );
      decoder = contentTransferDecoder('') as ContentTransferDecoder;
    }
    let kind: ParsedEntity['kind'] = 'leaf';
    if (type.startsWith('multipart/')) {
      const boundary = ct.params.boundary;
      if (boundary === undefined || boundary === '') {
        this.defect(
          'multipart-without-boundary',
          'multipart without a boundary parameter, read as text/plain',
          path,
        );
        type = 'text/plain';
      } else if (!canNest) {
        this.defect('nesting-too-deep', 'nesting deeper than maxDepth; part kept unparsed', path);
      } else {
        kind = 'multipart';
      }
    } else if (
      (type === 'message/rfc822' || type === 'message/global') &&
      (cte === '' || /^(7bit|8bit|binary)$/.test(cte))
    ) {
      if (canNest) kind = 'message';
      else this.defect('nesting-too-deep', 'nesting deeper than maxDepth; message kept unparsed', path);
    }
    if (kind !== 'leaf') cte = cteField === undefined ? '' : cte;
    const dispValue = disp?.value === '' ? undefined : disp?.value;
    const named = disp?.params.filename ?? ct.params.name;
    const attachment = kind === 'leaf' && isAttachment(type, dispValue, named !== undefined);
    const state: ParsedEntity = {
      path,
      depth,
      parent,
      headers,
      mediaType: type,
      params: ct.params,
      disposition: dispValue,
      dispositionParams: disp?.params ?? {},
      transferEncoding: cte,
      kind,
      children: [],
      attachment,
      fileName: undefined,
      preamble: [],
      epilogue: [],
      preambleSize: 0,
      epilogueSize: 0,
      chunks: [],
      size: 0,
      content: undefined,
      text: undefined,
      charset: undefined,
      streamed: false,
      decoder: kind === 'leaf' ? decoder : undefined,
      sink: undefined,
    };
    if (parent === undefined) this.root = state;
    else parent.children.push(state);
    if (attachment) this.openAttachment(state, named);
    const shape: EntityShape =
      kind === 'multipart'
        ? { kind, boundary: ct.params.boundary as string }
        : kind === 'message'
          ? { kind }
          : { kind: 'leaf' };
    return { state, shape };
  }

  private openAttachment(state: ParsedEntity, named: string | undefined): void {
    this.attachmentCount++;
    const ext = libmime.detectExtension(state.mediaType);
    // Control characters never belong in a file name (and could not be written back).
    const clean = named?.replace(/[\x00-\x1f\x7f]/g, '_').trim();
    state.fileName =
      clean !== undefined && clean !== ''
        ? clean
        : `ATT${String(this.attachmentCount).padStart(5, '0')}${ext === 'bin' && state.mediaType !== 'application/octet-stream' ? '' : `.${ext}`}`;
    const isTnef = state.mediaType === 'application/ms-tnef' || /^winmail\.dat$/i.test(state.fileName);
    if (this.options.onAttachment === undefined || (isTnef && this.keepForTnef)) return;
    const sink = this.options.onAttachment({
      fileName: state.fileName,
      mediaType: state.mediaType,
      part: state.path,
      headers: state.headers,
    });
    if (sink !== undefined) {
      state.sink = sink;
      state.streamed = true;
    }
  }

  data(entity: ParsedEntity, chunk: Buffer, region: BodyRegion): void {
    if (region !== 'body') {
      // Preamble and epilogue carry no content (RFC 2046 5.1.1); keep a bounded amount of them.
      const list = region === 'preamble' ? entity.preamble : entity.epilogue;
      const kept = region === 'preamble' ? entity.preambleSize : entity.epilogueSize;
      const room = MAX_PREAMBLE - kept;
      if (region === 'preamble') entity.preambleSize += chunk.length;
      else entity.epilogueSize += chunk.length;
      if (chunk.length > room) {
        this.defect(
          'preamble-truncated',
          `${region} longer than ${MAX_PREAMBLE} bytes; the rest is dropped`,
          entity.path,
        );
      }
      if (room > 0) list.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      return;
    }
    const decoder = entity.decoder;
    if (decoder === undefined) return;
    const out = decoder.write(chunk);
    this.deliver(entity, out);
  }

  private deliver(entity: ParsedEntity, out: Buffer): void {
    if (out.length === 0) return;
    entity.size += out.length;
    if (entity.sink !== undefined) {
      const r = entity.sink.write(out);
      if (r !== undefined) this.pending.push(r);
    } else {
      entity.chunks.push(out);
    }
  }

  end(entity: ParsedEntity): void {
    const decoder = entity.decoder;
    if (decoder === undefined) return;
    this.deliver(entity, decoder.end());
    if (decoder.invalid !== undefined) {
      const code = entity.transferEncoding === 'base64' ? 'invalid-base64' : 'invalid-quoted-printable';
      this.defect(code, decoder.invalid, entity.path);
    }
    if (entity.sink !== undefined) {
      const r = entity.sink.end();
      if (r !== undefined) this.pending.push(r);
      return;
    }
    const content = entity.chunks.length === 1 ? (entity.chunks[0] as Buffer) : Buffer.concat(entity.chunks);
    entity.chunks = [];
    entity.content = content;
    // Every leaf that is not an attachment is text (text/*, or a delivery-status report).
    if (!entity.attachment) this.decodeTextBody(entity, content);
  }

  private decodeTextBody(entity: ParsedEntity, content: Buffer): void {
    if (content.indexOf(0) !== -1) this.defect('nul-byte', 'NUL byte in a text body', entity.path);
    const decoded = decodeText(content, entity.params.charset, {
      autoDetect: this.options.charsetAutoDetect ?? true,
      fallback: this.options.fallbackCharset ?? 'windows-1252',
    });
    entity.text = decoded.text;
    entity.charset = decoded.charset;
    if (decoded.problem === 'unknown-charset') {
      this.defect(
        'unknown-charset',
        `unknown charset "${entity.params.charset ?? ''}", read as ${decoded.charset}`,
        entity.path,
      );
    } else if (decoded.problem === 'undeclared-8bit') {
      this.defect(
        'undeclared-8bit',
        `8-bit text without a usable charset, read as ${decoded.charset}`,
        entity.path,
      );
    }
  }
}
