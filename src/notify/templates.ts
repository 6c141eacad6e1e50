import { DateTime } from 'luxon';
import type { Notification } from '../../machines/index.js';
import { bookingInvite } from '../http/calendar.js';

// Every word a client or the salon receives, in one place: a subject, plain text, simple
// HTML, a short SMS, and the calendar invite for a confirmation or a move. Rendered from
// the scheduled fact alone, so a retry (after a crash, on another process) says the same.

export type MessageContext = {
  salonName: string;
  salonTz: string;
  /** Absolute base for links (PUBLIC_URL). */
  publicUrl: string;
  manageToken(reference: string): string;
};

export type Rendered = { subject: string; text: string; html: string; sms: string; ics?: string };

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const when = (iso: string, zone: string): string =>
  DateTime.fromISO(iso, { zone }).toFormat("cccc d LLLL yyyy 'at' HH:mm");

const hoursText = (h: number): string =>
  h >= 1 && Number.isInteger(h) ? `${h} hour${h === 1 ? '' : 's'}` : `${Math.round(h * 60)} minutes`;

export const manageLink = (n: Notification, ctx: MessageContext): string =>
  `${ctx.publicUrl.replace(/\/$/, '')}/manage/${encodeURIComponent(n.bookingId)}?token=${encodeURIComponent(ctx.manageToken(n.bookingId))}`;

const invite = (n: Notification, ctx: MessageContext, status: 'confirmed' | 'cancelled'): string =>
  bookingInvite(
    {
      bookingId: n.bookingId,
      slotId: '',
      slotIds: [],
      ...(n.about.service !== undefined && { service: { id: '', name: n.about.service, durationMinutes: 0 } }),
      stylist: n.about.stylist,
      startsAt: Date.parse(n.about.startsAt),
      endsAt: Date.parse(n.about.endsAt),
      clientId: '',
      customer: { name: n.about.customerName },
      bookedAt: 0,
      status,
      moves: status === 'cancelled' ? n.about.sequence - 1 : n.about.sequence,
    },
    ctx.salonName,
  );

export const renderMessage = (n: Notification, ctx: MessageContext): Rendered => {
  const a = n.about;
  const service = a.service ?? 'Appointment';
  const at = when(a.startsAt, ctx.salonTz);
  const ref = n.bookingId;
  const link = manageLink(n, ctx);
  const what = `${service} with ${a.stylist}, ${at} (${ctx.salonTz})`;
  const lines = (subject: string, body: string[], withLink: boolean, sms: string, ics?: string): Rendered => {
    const greeting = n.kind.startsWith('owner_') ? 'Hello,' : `Hello ${a.customerName},`;
    const text = [greeting, '', ...body, '', `Booking reference: ${ref}`]
      .concat(withLink ? ['', `View, change or cancel: ${link}`] : [])
      .concat(['', ctx.salonName])
      .join('\n');
    const html = [
      `<p>${escapeHtml(greeting)}</p>`,
      ...body.map((l) => `<p>${escapeHtml(l)}</p>`),
      `<p>Booking reference: <strong>${escapeHtml(ref)}</strong></p>`,
      ...(withLink ? [`<p><a href="${escapeHtml(link)}">View, change or cancel your booking</a></p>`] : []),
      `<p>${escapeHtml(ctx.salonName)}</p>`,
    ].join('\n');
    return { subject, text, html, sms, ...(ics !== undefined && { ics }) };
  };
  switch (n.kind) {
    case 'confirmation':
      return lines(
        `Booking confirmed: ${service}, ${at}`,
        [`Your booking is confirmed: ${what}.`],
        true,
        `${ctx.salonName}: booked ${service} with ${a.stylist}, ${at}. Ref ${ref}. ${link}`,
        invite(n, ctx, 'confirmed'),
      );
    case 'reschedule':
      return lines(
        `Booking moved: ${service}, now ${at}`,
        [
          `Your booking has moved to a new time: ${what}.`,
          ...(a.previousStartsAt ? [`It was ${when(a.previousStartsAt, ctx.salonTz)}.`] : []),
        ],
        true,
        `${ctx.salonName}: your ${service} has moved to ${at}. Ref ${ref}. ${link}`,
        invite(n, ctx, 'confirmed'),
      );
    case 'reminder':
      return lines(
        `Reminder: ${service}, ${at}`,
        [`A reminder of your appointment in ${hoursText(a.reminderHours ?? 0)}: ${what}.`],
        true,
        `${ctx.salonName}: reminder, ${service} with ${a.stylist} ${at}. Ref ${ref}. ${link}`,
      );
    case 'cancellation':
      return lines(
        `Booking cancelled: ${service}, ${at}`,
        [
          a.cancelledBy === 'owner'
            ? `The salon has cancelled your booking: ${what}. We are sorry; please book another time.`
            : `Your booking has been cancelled as you asked: ${what}.`,
        ],
        false,
        `${ctx.salonName}: your ${service} on ${at} is cancelled. Ref ${ref}.`,
        invite(n, ctx, 'cancelled'),
      );
    case 'owner_new_booking':
      return {
        ...lines(`New booking ${ref}: ${service}, ${at}`, [`${a.customerName} booked ${what}.`], false, ''),
        sms: `New booking ${ref}: ${a.customerName}, ${what}`,
      };
    case 'owner_cancellation':
      return {
        ...lines(`Cancelled ${ref}: ${service}, ${at}`, [`${a.customerName} cancelled ${what}.`], false, ''),
        sms: `Cancelled ${ref}: ${a.customerName}, ${what}`,
      };
    default: {
      const unknown: never = n.kind;
      throw new Error(`unknown message kind ${String(unknown)}`);
    }
  }
};
