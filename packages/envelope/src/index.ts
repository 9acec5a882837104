/**
 * @mailroute/envelope: everything about the SMTP envelope that the server, the client, the
 * policy and the router share. Pure: no sockets, no clock.
 *
 * @packageDocumentation
 */
export {
  type EnhancedCode,
  formatReply,
  isEnhancedCode,
  MAX_REPLY_LINE_OCTETS,
  type ReplyClass,
  SmtpError,
  SmtpReply,
} from './reply.js';
