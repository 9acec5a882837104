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

/** One calendar event, whatever it was read from (a Notes calendar note or a TNEF appointment). */
export interface CalendarEvent {
  readonly method: 'REQUEST' | 'PUBLISH';
  readonly uid: string;
  readonly stamp: Date;
  readonly start?: Date;
  readonly end?: Date;
  readonly summary: string;
  readonly description?: string;
  readonly location?: string;
  /** `mailto:` URIs. */
  readonly organizer?: string;
  readonly attendees: readonly string[];
}

/** The VCALENDAR text (RFC 5545) of one event, CRLF line ends, folded at 75 octets. */
export function vcalendar(e: CalendarEvent): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//mailroute//itemizer//EN',
    `METHOD:${e.method}`,
    'BEGIN:VEVENT',
  ];
  lines.push(`UID:${escapeText(e.uid)}`, `DTSTAMP:${stamp(e.stamp)}`);
  if (e.start !== undefined) lines.push(`DTSTART:${stamp(e.start)}`);
  if (e.end !== undefined) lines.push(`DTEND:${stamp(e.end)}`);
  lines.push(`SUMMARY:${escapeText(e.summary)}`);
  if (e.description !== undefined && e.description !== '')
    lines.push(`DESCRIPTION:${escapeText(e.description)}`);
  if (e.location !== undefined && e.location !== '') lines.push(`LOCATION:${escapeText(e.location)}`);
  if (e.organizer !== undefined) lines.push(`ORGANIZER:${e.organizer}`);
  for (const a of e.attendees) lines.push(`ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=TRUE:${a}`);
  lines.push('END:VEVENT', 'END:VCALENDAR');
  return `${lines.map(fold).join('\r\n')}\r\n`;
}

/** The VCALENDAR text for a calendar note; `now` stamps DTSTAMP when the note has no PostedDate. */
export function buildCalendar(note: Note, now: Date): string {
  const start = note.get('StartDateTime');
  const end = note.get('EndDateTime');
  const posted = note.get('PostedDate');
  const attendees = note.has('RequiredAttendees')
    ? note.textList('RequiredAttendees')
    : note.textList('SendTo');
  const organizer = mailto(note.text('Chair') ?? note.text('INetFrom') ?? note.text('From') ?? '');
  const location = note.text('Location') ?? note.text('Room');
  return vcalendar({
    method: attendees.length > 0 ? 'REQUEST' : 'PUBLISH',
    uid: note.text('ApptUNID') ?? note.text('$MessageID') ?? stamp(now),
    stamp: posted?.type === 'dateTime' ? posted.value : now,
    ...(start?.type === 'dateTime' ? { start: start.value } : {}),
    ...(end?.type === 'dateTime' ? { end: end.value } : {}),
    summary: note.text('Subject') ?? '',
    ...(location === undefined ? {} : { location }),
    ...(organizer === undefined ? {} : { organizer }),
    attendees: attendees.flatMap((a) => mailto(a) ?? []),
  });
}
