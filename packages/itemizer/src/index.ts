/**
 * @mailroute/itemizer: Domino's itemizer. Parses RFC 5322 / MIME messages into a {@link Note}
 * (an ordered document of named, typed items), builds messages back from notes, and decodes
 * TNEF (winmail.dat).
 *
 * Layers: raw (header blocks, multipart boundaries, streaming), entity (Content-Transfer-Encoding
 * and charset decoding), note (the Domino item mapping).
 *
 * @packageDocumentation
 */

export { buildMessage, buildMessageBytes, type ComposeOptions } from './build/message.js';
export type { BuildOptions } from './build/options.js';
export { composeNote } from './compose/compose-note.js';
export type {
  AddressInput,
  AddressListInput,
  AttachmentFields,
  CalendarEventFields,
  ContentInput,
  DeliveryReportFields,
  DeliveryStatusFieldList,
  GroupInput,
  MessageFields,
} from './compose/fields.js';
export type { Defect, DefectCode } from './defects.js';
export { ItemizerError, type ItemizerErrorCode } from './errors.js';
export { DEFAULT_LIMITS, type ParseLimits } from './limits.js';
export {
  type AddressList,
  type AddressListOptions,
  formatGroup,
  formatMailbox,
  type Group,
  isGroup,
  type NamedAddress,
  parseAddressList,
} from './mail/address.js';
export { formatMailDate, parseMailDate } from './mail/date.js';
export { type MessageBodies, messageBodies } from './note/body.js';
export {
  type Attachment,
  type HeaderField,
  type Item,
  type ItemType,
  type MimePart,
  Note,
} from './note/note.js';
export type { AttachmentInfo, AttachmentSink, EnvelopeAddresses, ParseOptions } from './parse/options.js';
export { type MessageInput, parseMessage } from './parse/parse-message.js';
export { writableSink } from './parse/writable-sink.js';
export { tnefCalendar } from './tnef/calendar.js';
export { decodeTnef, type TnefAttachment, type TnefMessage, type TnefRecipient } from './tnef/decode.js';
export type { MapiProperty, MapiValue } from './tnef/mapi.js';
export type { TnefOptions } from './tnef/options.js';
