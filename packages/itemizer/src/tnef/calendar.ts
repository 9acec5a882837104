/**
 * A TNEF appointment (IPM.Appointment, IPM.Schedule.Meeting.*) as an iCalendar event, so a
 * converted winmail.dat keeps its meeting as a text/calendar part (as ytnef does). Times come
 * from PidLidAppointmentStartWhole / EndWhole (PSETID_Appointment), else PR_START_DATE /
 * PR_END_DATE; the location from PidLidLocation; the organizer from the sent-representing or
 * sender address.
 */

import { type CalendarEvent, vcalendar } from '../build/calendar.js';
import type { TnefMessage } from './decode.js';
import type { MapiProperty, MapiValue } from './mapi.js';

/** PSETID_Appointment {00062002-0000-0000-C000-000000000046} as stored (little-endian fields). */
const PSETID_APPOINTMENT = '0220060000000000c000000000000046';
/** PSETID_Meeting {6ED8DA90-450B-101B-98DA-00AA003F1305}. */
const PSETID_MEETING = '90dad86e0b451b1098da00aa003f1305';

function named(props: readonly MapiProperty[], guid: string, id: number): MapiValue | undefined {
  return props.find((p) => p.named?.guid === guid && p.named.id === id)?.values[0];
}

function plain(props: readonly MapiProperty[], id: number): MapiValue | undefined {
  return props.find((p) => p.id === id && p.named === undefined)?.values[0];
}

const asDate = (v: MapiValue | undefined): Date | undefined =>
  v instanceof Date && !Number.isNaN(v.getTime()) ? v : undefined;
const asText = (v: MapiValue | undefined): string | undefined =>
  typeof v === 'string' && v !== '' ? v : undefined;

/** The event of an appointment-class TNEF message, or `undefined` for other classes. */
export function tnefCalendarEvent(msg: TnefMessage): CalendarEvent | undefined {
  if (!/^IPM\.(Appointment|Schedule\.Meeting)/i.test(msg.messageClass ?? '')) return undefined;
  const p = msg.properties;
  const start = asDate(named(p, PSETID_APPOINTMENT, 0x820d)) ?? asDate(plain(p, 0x0060));
  const end = asDate(named(p, PSETID_APPOINTMENT, 0x820e)) ?? asDate(plain(p, 0x0061));
  const location = asText(named(p, PSETID_APPOINTMENT, 0x8208));
  const organizer = asText(plain(p, 0x0065)) ?? asText(plain(p, 0x0c1f));
  const goid = named(p, PSETID_MEETING, 0x0003);
  const stamp = asDate(plain(p, 0x0039)) ?? start ?? new Date(0);
  return {
    method: 'REQUEST',
    uid: Buffer.isBuffer(goid) ? goid.toString('hex').toUpperCase() : `${stamp.getTime()}@tnef`,
    stamp,
    ...(start === undefined ? {} : { start }),
    ...(end === undefined ? {} : { end }),
    summary: msg.subject ?? '',
    ...(msg.bodyText === undefined ? {} : { description: msg.bodyText }),
    ...(location === undefined ? {} : { location }),
    ...(organizer === undefined || !organizer.includes('@') ? {} : { organizer: `mailto:${organizer}` }),
    attendees: msg.recipients.filter((r) => r.address.includes('@')).map((r) => `mailto:${r.address}`),
  };
}

/** The iCalendar text (RFC 5545) of an appointment-class TNEF message, or `undefined` for other classes. */
export function tnefCalendar(msg: TnefMessage): string | undefined {
  const event = tnefCalendarEvent(msg);
  return event === undefined ? undefined : vcalendar(event);
}
