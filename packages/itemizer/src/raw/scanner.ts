/**
 * The raw MIME layer: a push scanner that splits a byte stream into entities (header block,
 * body, multipart preamble/parts/epilogue, nested message/rfc822) without decoding anything.
 *
 * It is streaming: input arrives in chunks of any size, and only a few bytes (a possible
 * boundary line or a partial header line) are carried from one chunk to the next, so memory
 * is bounded by the chunk size plus the header limit. Boundaries are found with
 * `Buffer.indexOf("\n--")`, and each candidate line is compared with the open boundaries
 * (at most `maxDepth` of them), so time stays linear in the input.
 */

import type { DefectCode } from '../defects.js';
import type { ParseLimits } from '../limits.js';
import { couldStartDelimiter, lineBreakStart, onlySpace, PADDING_SLACK } from './delimiter.js';
import { FieldCollector, headerLineKind, type RawField } from './header-block.js';

/** How an entity's body is structured, as decided by the entity layer from its headers. */
export type EntityShape = { kind: 'multipart'; boundary: string } | { kind: 'message' } | { kind: 'leaf' };

/** Where a body chunk belongs in its entity. */
export type BodyRegion = 'body' | 'preamble' | 'epilogue';

/** Receives the scanner's events; `E` is the receiver's own per-entity state. */
export interface ScanHandler<E> {
  /** An entity's header block is complete. `canNest` is false when the depth limit is reached. */
  entity(
    fields: RawField[],
    path: string,
    depth: number,
    parent: E | undefined,
    canNest: boolean,
  ): { state: E; shape: EntityShape };
  /** Raw body bytes; the chunk is only valid during the call unless copied or kept whole. */
  data(entity: E, chunk: Buffer, region: BodyRegion): void;
  /** The entity is complete. */
  end(entity: E): void;
  /** A structural defect. */
  defect(code: DefectCode, message: string, part: string): void;
}

type Region = 'headers' | BodyRegion;

interface Frame<E> {
  readonly path: string;
  readonly depth: number;
  readonly parent: Frame<E> | undefined;
  state: E | undefined;
  region: Region;
  delim: Buffer | undefined;
  children: number;
  sawBoundary: boolean;
  closed: boolean;
  /** Over the part limit: content is skipped. */
  readonly discard: boolean;
  collector: FieldCollector | undefined;
  headerBytes: number;
  headerOverflow: boolean;
  firstLine: boolean;
}

const NL_DASH_DASH = Buffer.from('\n--', 'latin1');
const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;

interface BoundaryHit<E> {
  readonly frame: Frame<E>;
  readonly close: boolean;
  readonly next: number;
}
const NEED_MORE = 1;

/** Splits a message into entities; call {@link MimeScanner.write} per chunk and {@link MimeScanner.end} once. */
export class MimeScanner<E> {
  private readonly stack: Frame<E>[] = [];
  private active: Frame<E>[] = [];
  private maxDelim = 0;
  private carry: Buffer | undefined;
  private atLineStart = true;
  private parts = 1;
  private skipHeaderLine = false;
  private sawBareLf = false;

  constructor(
    private readonly handler: ScanHandler<E>,
    private readonly limits: ParseLimits,
  ) {
    this.stack.push(this.newFrame('', undefined, false));
  }

  /** Feeds one chunk. */
  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const buf = this.carry === undefined ? chunk : Buffer.concat([this.carry, chunk]);
    this.carry = undefined;
    this.process(buf, false);
  }

  /** Ends the input: flushes carried bytes and closes every open entity. */
  end(): void {
    const buf = this.carry ?? Buffer.alloc(0);
    this.carry = undefined;
    this.process(buf, true);
    const top = this.top();
    if (top.region === 'headers') this.finishHeaders(top);
    while (this.stack.length > 0) this.endFrame(this.stack.pop() as Frame<E>);
  }

  private newFrame(path: string, parent: Frame<E> | undefined, discard: boolean): Frame<E> {
    return {
      path,
      depth: parent === undefined ? 0 : parent.depth + 1,
      parent,
      state: undefined,
      region: discard ? 'body' : 'headers',
      delim: undefined,
      children: 0,
      sawBoundary: false,
      closed: false,
      discard,
      collector: discard ? undefined : new FieldCollector(),
      headerBytes: 0,
      headerOverflow: false,
      firstLine: true,
    };
  }

  private top(): Frame<E> {
    return this.stack[this.stack.length - 1] as Frame<E>;
  }

  private process(buf: Buffer, final: boolean): void {
    let pos = 0;
    while (pos < buf.length) {
      const top = this.top();
      pos =
        top.region === 'headers'
          ? this.scanHeaders(top, buf, pos, final)
          : this.scanBody(top, buf, pos, final);
    }
  }

  // ---- header blocks -------------------------------------------------------------------

  private scanHeaders(frame: Frame<E>, buf: Buffer, start: number, final: boolean): number {
    let pos = start;
    while (pos < buf.length) {
      const nl = buf.indexOf(LF, pos);
      if (nl === -1 && !final) {
        this.carryHeaderTail(frame, buf.subarray(pos));
        return buf.length;
      }
      const lineStop = nl === -1 ? buf.length : nl;
      if (this.skipHeaderLine) {
        // The rest of a line already over the header limit.
        this.skipHeaderLine = false;
        pos = lineStop + 1;
        continue;
      }
      const lineEnd = lineStop > pos && buf[lineStop - 1] === CR ? lineStop - 1 : lineStop;
      if (frame.path === '' && frame.firstLine && nl !== -1 && lineEnd === lineStop && !this.sawBareLf) {
        this.sawBareLf = true;
        this.handler.defect('bare-lf', 'lines end in a bare LF instead of CRLF', '');
      }
      const line = buf.subarray(pos, lineEnd);
      const next = nl === -1 ? buf.length : nl + 1;
      if (line.length === 0) {
        this.finishHeaders(frame);
        this.atLineStart = true;
        return next;
      }
      if (line[0] === DASH && line[1] === DASH && this.active.length > 0) {
        const hit = this.matchBoundary(buf, pos, true);
        if (hit !== undefined && hit !== NEED_MORE) {
          // A part that ends inside its header block (headers only, no body).
          this.finishHeaders(frame);
          this.onBoundary(hit);
          return hit.next;
        }
      }
      const kind = headerLineKind(line);
      if (kind === 'invalid') {
        if (frame.path === '' && frame.firstLine && line.subarray(0, 5).toString('latin1') === 'From ') {
          this.handler.defect('mbox-from-line', 'an mbox "From " line precedes the headers; skipped', '');
          frame.firstLine = false;
          pos = next;
          continue;
        }
        this.handler.defect(
          'missing-header-body-separator',
          'a line that is not a header field ends the header block without a blank line',
          frame.path,
        );
        this.finishHeaders(frame);
        this.atLineStart = true;
        return pos;
      }
      frame.firstLine = false;
      if (line.indexOf(0) !== -1) this.handler.defect('nul-byte', 'NUL byte in a header field', frame.path);
      frame.headerBytes += next - pos;
      if (frame.headerBytes > this.limits.maxHeaderBytes) this.headerOverflow(frame);
      else (frame.collector as FieldCollector).push(line, kind);
      pos = next;
    }
    return pos;
  }

  private headerOverflow(frame: Frame<E>): void {
    if (frame.headerOverflow) return;
    frame.headerOverflow = true;
    this.handler.defect(
      'header-block-too-large',
      `header block larger than maxHeaderBytes (${this.limits.maxHeaderBytes}); the rest of it is skipped`,
      frame.path,
    );
  }

  private carryHeaderTail(frame: Frame<E>, tail: Buffer): void {
    if (frame.headerBytes + tail.length > this.limits.maxHeaderBytes) {
      // A single endless line: drop it instead of buffering it.
      this.headerOverflow(frame);
      this.skipHeaderLine = true;
      return;
    }
    this.carry = Buffer.from(tail);
  }

  private finishHeaders(frame: Frame<E>): void {
    const fields = (frame.collector as FieldCollector).finish();
    frame.collector = undefined;
    const parent = frame.parent;
    const canNest = frame.depth < this.limits.maxDepth;
    const { state, shape } = this.handler.entity(fields, frame.path, frame.depth, parent?.state, canNest);
    frame.state = state;
    if (shape.kind === 'multipart') {
      frame.region = 'preamble';
      frame.delim = Buffer.from(`--${shape.boundary}`, 'latin1');
      this.refreshActive();
    } else if (shape.kind === 'message') {
      frame.region = 'body';
      this.pushChild(frame);
    } else {
      frame.region = 'body';
    }
  }

  // ---- bodies and boundaries -----------------------------------------------------------

  private scanBody(frame: Frame<E>, buf: Buffer, pos: number, final: boolean): number {
    if (this.active.length === 0) {
      this.emit(frame, buf.subarray(pos));
      return buf.length;
    }
    const startsLine = this.atLineStart;
    this.atLineStart = false;
    let cand = startsLine ? pos : this.nextCandidate(buf, pos);
    while (cand !== -1) {
      const hit = this.matchBoundary(buf, cand, final);
      if (hit === NEED_MORE) {
        const holdFrom = cand === pos && startsLine ? cand : lineBreakStart(buf, cand, pos);
        this.emit(frame, buf.subarray(pos, holdFrom));
        this.carry = Buffer.from(buf.subarray(holdFrom));
        this.atLineStart = holdFrom === cand;
        return buf.length;
      }
      if (hit !== undefined) {
        const bodyEnd = cand === pos && startsLine ? cand : lineBreakStart(buf, cand, pos);
        this.emit(frame, buf.subarray(pos, bodyEnd));
        this.onBoundary(hit);
        return hit.next;
      }
      cand = this.nextCandidate(buf, cand);
    }
    if (final) {
      this.emit(frame, buf.subarray(pos));
      return buf.length;
    }
    // Hold back a possible boundary line at the end, with the line break before it.
    let holdFrom = buf.length;
    const lastNl = buf.lastIndexOf(LF);
    if (lastNl >= pos) {
      if (couldStartDelimiter(buf, lastNl + 1, this.maxDelim))
        holdFrom = lineBreakStart(buf, lastNl + 1, pos);
    } else if (startsLine && couldStartDelimiter(buf, pos, this.maxDelim)) {
      holdFrom = pos;
    }
    if (holdFrom === buf.length && buf[buf.length - 1] === CR) holdFrom = buf.length - 1;
    this.emit(frame, buf.subarray(pos, holdFrom));
    if (holdFrom < buf.length) {
      this.carry = Buffer.from(buf.subarray(holdFrom));
      this.atLineStart = holdFrom === pos && startsLine;
    }
    return buf.length;
  }

  /** The next line start after `from` that begins with "--". */
  private nextCandidate(buf: Buffer, from: number): number {
    const i = buf.indexOf(NL_DASH_DASH, from);
    return i === -1 ? -1 : i + 1;
  }

  private matchBoundary(
    buf: Buffer,
    ls: number,
    final: boolean,
  ): BoundaryHit<E> | typeof NEED_MORE | undefined {
    const avail = buf.length - ls;
    if (avail < 2) return final ? undefined : NEED_MORE;
    if (buf[ls] !== DASH || buf[ls + 1] !== DASH) return undefined;
    const nl = buf.indexOf(LF, ls);
    if (nl === -1 && !final && avail <= this.maxDelim + PADDING_SLACK) return NEED_MORE;
    const lineEnd = nl === -1 ? buf.length : nl;
    for (let i = this.active.length - 1; i >= 0; i--) {
      const frame = this.active[i] as Frame<E>;
      const d = frame.delim as Buffer;
      if (lineEnd - ls < d.length || buf.compare(d, 0, d.length, ls, ls + d.length) !== 0) continue;
      const p = ls + d.length;
      const close = p + 1 < lineEnd && buf[p] === DASH && buf[p + 1] === DASH;
      if (!close && !onlySpace(buf, p, lineEnd)) continue;
      return { frame, close, next: nl === -1 ? buf.length : nl + 1 };
    }
    return undefined;
  }

  private onBoundary(hit: BoundaryHit<E>): void {
    const target = hit.frame;
    while (this.top() !== target) this.endFrame(this.stack.pop() as Frame<E>);
    target.sawBoundary = true;
    this.atLineStart = true;
    if (hit.close) {
      target.closed = true;
      target.region = 'epilogue';
      this.refreshActive();
      return;
    }
    this.pushChild(target);
  }

  private pushChild(parent: Frame<E>): void {
    parent.children++;
    const path = parent.path === '' ? String(parent.children) : `${parent.path}.${parent.children}`;
    this.parts++;
    const over = this.parts > this.limits.maxParts;
    if (over) {
      this.handler.defect(
        'too-many-parts',
        `more than maxParts (${this.limits.maxParts}) MIME parts; later parts are skipped`,
        parent.path,
      );
    }
    this.stack.push(this.newFrame(path, parent, over));
  }

  private endFrame(frame: Frame<E>): void {
    if (frame.region === 'headers' && !frame.discard) this.finishHeaders(frame);
    if (frame.delim !== undefined && !frame.closed) {
      if (frame.sawBoundary) {
        this.handler.defect(
          'missing-final-boundary',
          'multipart ends without its close delimiter',
          frame.path,
        );
      } else {
        this.handler.defect(
          'missing-start-boundary',
          'multipart boundary never appears in the body',
          frame.path,
        );
      }
      frame.closed = true;
      this.refreshActive();
    }
    if (frame.state !== undefined) this.handler.end(frame.state);
  }

  private refreshActive(): void {
    this.active = this.stack.filter((f) => f.delim !== undefined && !f.closed);
    this.maxDelim = this.active.reduce((m, f) => Math.max(m, (f.delim as Buffer).length + 2), 0);
  }

  private emit(frame: Frame<E>, chunk: Buffer): void {
    if (chunk.length === 0 || frame.discard || frame.state === undefined) return;
    this.handler.data(frame.state, chunk, frame.region as BodyRegion);
  }
}
