/**
 * The text/calendar part of a Notes calendar document (Form Appointment or Notice): Domino sends
 * calendar notes with a VCALENDAR (RFC 5545) body beside the text. Built from the calendar items
 * StartDateTime, EndDateTime, Subject, Location, Chair, RequiredAttendees/SendTo and ApptUNID.
 */

import { parseAddressList } from '../mail/address.js';
import type { Note } from '../note/note.js';

/** True for a note that gets a VCALENDAR part. */
export function isCalendarNote(note: Note): boolean {
  const form = (note.text('Form') ?? '').toLowerCase();
  return (form === 'appointment' || form === 'notice') && note.get('StartDateTime')?.type === 'dateTime';
}

function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function escapeText(t: string): string {
  return t.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** Folds a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 sequence. */
function fold(line: string): string {
  const out: string[] = [];
  let cur = '';
  let bytes = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > 75) {
      out.push(cur);
      cur = ' ';
      bytes = 1;
    }
    cur += ch;
    bytes += n;
  }
  out.push(cur);
  return out.join('\r\n');
}

function mailto(entry: string): string | undefined {
  const box = parseAddressList(entry).mailboxes[0];
  return box === undefined || box.address === '' ? undefined : `mailto:${box.address}`;
}

/** The VCALENDAR text for a calendar note; `now` stamps DTSTAMP when the note has no PostedDate. */
export function buildCalendar(note: Note, now: Date): string {
  const start = note.get('StartDateTime');
  const end = note.get('EndDateTime');
  const posted = note.get('PostedDate');
  const attendees = note.has('RequiredAttendees')
    ? note.textList('RequiredAttendees')
    : note.textList('SendTo');
  const method = attendees.length > 0 ? 'REQUEST' : 'PUBLISH';
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//mailroute//itemizer//EN',
    `METHOD:${method}`,
    'BEGIN:VEVENT',
  ];
  lines.push(`UID:${escapeText(note.text('ApptUNID') ?? note.text('$MessageID') ?? stamp(now))}`);
  lines.push(`DTSTAMP:${stamp(posted?.type === 'dateTime' ? posted.value : now)}`);
  if (start?.type === 'dateTime') lines.push(`DTSTART:${stamp(start.value)}`);
  if (end?.type === 'dateTime') lines.push(`DTEND:${stamp(end.value)}`);
  lines.push(`SUMMARY:${escapeText(note.text('Subject') ?? '')}`);
  const location = note.text('Location') ?? note.text('Room');
  if (location !== undefined) lines.push(`LOCATION:${escapeText(location)}`);
  const organizer = mailto(note.text('Chair') ?? note.text('INetFrom') ?? note.text('From') ?? '');
  if (organizer !== undefined) lines.push(`ORGANIZER:${organizer}`);
  for (const a of attendees) {
    const to = mailto(a);
    if (to !== undefined) lines.push(`ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=TRUE:${to}`);
  }
  lines.push('END:VEVENT', 'END:VCALENDAR');
  return `${lines.map(fold).join('\r\n')}\r\n`;
}
