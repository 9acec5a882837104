// Minimal typings for the parts of libmime 5.4.8 this package uses (libmime ships no types).
declare module 'libmime' {
  interface StructuredHeader {
    value: string;
    params: Record<string, string>;
  }
  interface LibMime {
    decodeWords(str: string): string;
    encodeWords(data: string, mimeWordEncoding?: 'Q' | 'B', maxLength?: number, encodeAll?: boolean): string;
    encodeWord(data: string | Buffer, mimeWordEncoding?: 'Q' | 'B', maxLength?: number): string;
    parseHeaderValue(str: string): StructuredHeader;
    buildHeaderValue(structured: StructuredHeader): string;
    foldLines(str: string, lineLength?: number, afterSpace?: boolean): string;
    normalizeCharset(charset: string): string;
    detectMimeType(filenameOrExtension: string): string;
    detectExtension(mimeType: string): string;
    isPlainText(value: string, isParam?: boolean): boolean;
  }
  const libmime: LibMime;
  export default libmime;
}

declare module 'libmime/lib/charset.js' {
  interface Charset {
    decode(buf: Buffer, fromCharset: string): string;
    normalizeCharset(charset: string): string;
  }
  const charset: Charset;
  export default charset;
}
