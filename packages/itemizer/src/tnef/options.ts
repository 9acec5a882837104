/** Options of the TNEF decoder and of TNEF conversion inside {@link parseMessage}. */

/** Domino's TNEF switches (notes.ini) plus the decoder's safety limits. */
export interface TnefOptions {
  /** notes.ini `TNEFEnableConversion`: replace a winmail.dat part by the attachments and body it holds. Domino default false. */
  readonly enableConversion: boolean;
  /** notes.ini `TNEFKeepAttachment`: keep the original winmail.dat beside the converted content. Domino default false. */
  readonly keepAttachment: boolean;
  /** notes.ini `TNEFAttachRTF`: attach the decompressed RTF body as `message_body.rtf`. Domino default false. */
  readonly attachRtf: boolean;
  /**
   * notes.ini `TNEFBreakSMIME`: false leaves TNEF inside S/MIME-signed mail alone; true converts
   * it and records that the signature no longer verifies. Domino default false.
   */
  readonly breakSmime: boolean;
  /** Verify each attribute's checksum (a mismatch is a defect; decoding goes on). Default true. */
  readonly verifyChecksums: boolean;
  /** Deepest embedded-message nesting decoded. Default 8. */
  readonly maxDepth: number;
}

/** Domino's defaults: everything off, checksums verified. */
export const DEFAULT_TNEF_OPTIONS: TnefOptions = Object.freeze({
  enableConversion: false,
  keepAttachment: false,
  attachRtf: false,
  breakSmime: false,
  verifyChecksums: true,
  maxDepth: 8,
});
