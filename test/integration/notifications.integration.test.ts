import { createHmac } from 'node:crypto';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { NotifyConfig } from '../../src/config.js';
import { SIGNATURE_HEADER } from '../../src/notify/deliver.js';
import type { Notifier } from '../../src/notify/notifier.js';
import { notifierFromConfig } from '../../src/notify/setup.js';
import { type AppRig, appRig, SESSION_SECRET, slotIdAt } from '../support/app-harness.js';
import { anna, HOUR, MINUTE, until } from '../support/fixtures.js';
import { type SmtpSink, startSmsWebhook, startSmtpSink } from '../support/smtp-sink.js';

// Messages end to end on real parts: the app and engine on a SQLite file with a simulated
// clock, the notifier following that log, a real SMTP server (smtp-server) read back with
// mailparser, a local HTTP server as the SMS provider. Nothing here is a mock.

const PUBLIC_URL = 'https://book.salon.example';
const ZONE = 'Europe/Helsinki'; // UTC+2 in December: a time shown in UTC would be caught
const json = (response: { body: string }) => JSON.parse(response.body);

let r: AppRig | undefined;
let sink: SmtpSink | undefined;
let notifier: (Notifier & { transports: string[] }) | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await notifier?.stop();
  await r?.dispose();
  await sink?.stop();
  for (const close of closers.splice(0)) await close();
  r = undefined;
  sink = undefined;
  notifier = undefined;
});

const app = (): AppRig => {
  if (r === undefined) throw new Error('no app: call setup() first');
  return r;
};
const smtp = (): SmtpSink => {
  if (sink === undefined) throw new Error('no SMTP server in this test');
  return sink;
};
const notes = (): Notifier => {
  if (notifier === undefined) throw new Error('no notifier: call setup() first');
  return notifier;
};

const setup = async (config: Partial<NotifyConfig> = {}, withSmtp = true) => {
  sink = withSmtp ? await startSmtpSink() : undefined;
  const notify: NotifyConfig = {
    reminderHours: [24, 2],
    ownerEmail: 'owner@salon.example',
    smtpUrl: sink?.url,
    mailFrom: 'Holdfast salon <no-reply@salon.example>',
    smsWebhookUrl: undefined,
    smsWebhookSecret: undefined,
    giveUpHours: 24,
    leaseSeconds: 60,
    ...config,
  };
  r = await appRig({
    slots: [anna(2), anna(48), anna(49), anna(50)],
    settings: { salonTz: ZONE, publicUrl: PUBLIC_URL },
    notifier: (rig) =>
      (notifier = notifierFromConfig(notify, {
        log: rig.log,
        clock: rig.clock,
        sessionSecret: SESSION_SECRET,
        publicUrl: PUBLIC_URL,
        salonName: 'Holdfast salon',
        salonTz: ZONE,
        logger: pino({ level: 'error' }),
      })),
  });
  await notes().start();
  return { rig: r, sink, notifier: notifier as Notifier };
};

const book = async (hours: number, customer: Record<string, string> = { name: 'Zoë', email: 'zoe@example.com' }) => {
  const client = app().client();
  expect((await client.post(`/api/timeslots/${slotIdAt(hours)}/reserve`)).statusCode).toBe(200);
  const started = Date.now();
  const res = await client.post(`/api/timeslots/${slotIdAt(hours)}/book`, { customer });
  expect(res.statusCode).toBe(200);
  const { reference, manage_token: token } = json(res).booking;
  return { client, reference: reference as string, token: token as string, ms: Date.now() - started };
};

const list = async (query: string) => {
  const res = await app().owner('GET', `/api/admin/notifications?${query}`);
  expect(res.statusCode).toBe(200);
  return json(res) as Array<Record<string, unknown>>;
};
const statusOf = async (reference: string, kind: string, channel = 'email') =>
  (await list(`booking=${reference}`)).filter((n) => n.kind === kind && n.channel === channel).map((n) => n.status);

describe('email by SMTP', () => {
  it('confirms a booking to the client (reference, salon time, manage link, .ics) and tells the salon', async () => {
    await setup();
    const { reference, token } = await book(48);
    await until(() => smtp().messages.length === 2);
    const mail = smtp().messages.find((m) => m.subject?.startsWith('Booking confirmed'));
    expect(mail).toBeDefined();
    expect(smtp().envelopes[smtp().messages.findIndex((m) => m === mail)]).toEqual(['zoe@example.com']);
    // 2026-12-07T08:00Z is 10:00 in Helsinki.
    expect(mail?.text).toContain('Monday 7 December 2026 at 10:00');
    expect(mail?.text).toContain(reference);
    expect(mail?.text).toContain(`${PUBLIC_URL}/manage/${reference}?token=${token}`);
    expect(mail?.html).toContain(`${PUBLIC_URL}/manage/${reference}?token=${token}`);
    expect(mail?.messageId).toBe(`<${reference}.1@salon.example>`);
    const ics = mail?.attachments.find((a) => a.filename === 'appointment.ics');
    expect(ics?.content.toString()).toContain('DTSTART:20261207T080000Z');
    expect(ics?.content.toString()).toContain(`UID:${reference}@holdfast`);
    const owner = smtp().messages.find((m) => m.subject?.startsWith(`New booking ${reference}`));
    expect(smtp().envelopes[smtp().messages.findIndex((m) => m === owner)]).toEqual(['owner@salon.example']);
    await until(async () => (await statusOf(reference, 'confirmation')).join() === 'sent');
    // Reminders 24 h and 2 h before, both still ahead.
    expect(await statusOf(reference, 'reminder')).toEqual(['scheduled', 'scheduled']);
  });

  it('cancellation: the client and the salon hear of it, and the reminders are withdrawn', async () => {
    await setup();
    const { client, reference } = await book(48);
    await until(() => smtp().messages.length === 2);
    expect((await client.post(`/api/bookings/${reference}/cancel`)).statusCode).toBe(200);
    await until(() => smtp().messages.length === 4);
    const subjects = smtp().messages.map((m) => m.subject);
    expect(subjects).toContain('Booking cancelled: Appointment, Monday 7 December 2026 at 10:00');
    expect(subjects).toContain(`Cancelled ${reference}: Appointment, Monday 7 December 2026 at 10:00`);
    expect(await statusOf(reference, 'reminder')).toEqual(['withdrawn', 'withdrawn']);
    const cancelled = smtp().messages.find((m) => m.subject?.startsWith('Booking cancelled'));
    expect(cancelled?.text).toContain('cancelled as you asked');
  });

  it('a cancellation by the salon says so to the client, and the salon is not told what it did', async () => {
    await setup();
    const { reference } = await book(48);
    await until(() => smtp().messages.length === 2);
    expect((await app().owner('POST', `/api/admin/bookings/${reference}/cancel`, {})).statusCode).toBe(200);
    await until(() => smtp().messages.length === 3).catch(async (e) => {
      console.log(JSON.stringify(await list('')));
      throw e;
    });
    expect(smtp().messages[2]?.text).toContain('The salon has cancelled your booking');
    expect(smtp().envelopes[2]).toEqual(['zoe@example.com']);
  });

  it('a reschedule sends the new time with an .ics of a higher SEQUENCE, and moves the reminders', async () => {
    await setup();
    const { client, reference } = await book(48);
    await until(() => smtp().messages.length === 2);
    const moved = await client.post(`/api/bookings/${reference}/reschedule`, { slot_id: slotIdAt(50) });
    expect(moved.statusCode).toBe(200);
    await until(() => smtp().messages.length === 3);
    const mail = smtp().messages[2];
    expect(mail?.subject).toBe('Booking moved: Appointment, now Monday 7 December 2026 at 12:00');
    expect(mail?.text).toContain('It was Monday 7 December 2026 at 10:00');
    const ics = mail?.attachments.find((a) => a.filename === 'appointment.ics')?.content.toString();
    expect(ics).toContain('DTSTART:20261207T100000Z');
    expect(ics).toContain('SEQUENCE:1');
    expect((await statusOf(reference, 'reminder')).sort()).toEqual([
      'scheduled',
      'scheduled',
      'withdrawn',
      'withdrawn',
    ]);
  });

  it('reminders go at their hour on the simulated clock; one already past when booked is never scheduled', async () => {
    const { rig } = await setup();
    const { reference } = await book(48);
    const soon = await book(2); // 2 h ahead: neither the 24 h nor the 2 h reminder is still to come
    await until(() => smtp().messages.length === 4);
    expect(await statusOf(soon.reference, 'reminder')).toEqual([]);
    await notes().idle();
    await rig.rig.advance(24 * HOUR - MINUTE);
    await notes().idle();
    expect(smtp().messages.length).toBe(4); // not a minute early
    await rig.rig.advance(MINUTE);
    await until(() => smtp().messages.length === 5);
    expect(smtp().messages[4]?.subject).toBe('Reminder: Appointment, Monday 7 December 2026 at 10:00');
    expect(smtp().messages[4]?.text).toContain('in 24 hours');
    await until(async () => (await statusOf(reference, 'reminder')).join() === 'sent,scheduled');
  });

  it('SMTP down: the booking is answered at once; the mail goes once the server is back', async () => {
    const { rig } = await setup({ ownerEmail: undefined });
    await smtp().stop();
    const { reference, ms } = await book(48);
    expect(ms).toBeLessThan(1_000);
    await until(async () => (await list(`booking=${reference}`)).some((n) => n.attempts === 1 && n.error)).catch(
      async (e) => {
        console.log(JSON.stringify(await list('')));
        throw e;
      },
    );
    expect(await statusOf(reference, 'confirmation')).toEqual(['scheduled']);
    await notes().idle();
    await smtp().start();
    await rig.rig.advance(30_000); // the first retry
    await until(() => smtp().messages.length === 1);
    expect(smtp().messages[0]?.messageId).toBe(`<${reference}.1@salon.example>`);
    await until(async () => (await statusOf(reference, 'confirmation')).join() === 'sent');
    const [confirmation] = (await list(`booking=${reference}`)).filter((n) => n.kind === 'confirmation');
    expect(confirmation).toMatchObject({ attempts: 2, status: 'sent' });
  });

  it('gives up after NOTIFY_GIVE_UP_HOURS and shows it as failed; Resend sends it', async () => {
    const { rig } = await setup({ ownerEmail: undefined, giveUpHours: 0.1, reminderHours: [] }); // 6 minutes
    await smtp().stop();
    const { reference } = await book(48);
    for (let i = 0; i < 20; i += 1) {
      await until(async () => (await list(`booking=${reference}`))[0]?.attempts === i + 1);
      await notes().idle();
      if ((await statusOf(reference, 'confirmation'))[0] === 'given_up') break;
      await rig.rig.advance(2 ** i * 30_000); // the backoff: 30 s, 1 min, 2 min, …
    }
    const failed = await list('status=failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ booking: reference, kind: 'confirmation', status: 'given_up' });
    expect(failed[0]?.attempts).toBeGreaterThan(2);
    expect(String(failed[0]?.error)).toMatch(/ECONNREFUSED|connect/i);

    await smtp().start();
    const resent = await app().owner('POST', `/api/admin/notifications/${failed[0]?.id}/resend`);
    expect([resent.statusCode, json(resent).status]).toEqual([200, 'scheduled']);
    await until(() => smtp().messages.length === 1);
    await until(async () => (await list('status=failed')).length === 0);
    const again = await app().owner('POST', `/api/admin/notifications/HF-0000-0000.9/resend`);
    expect(again.statusCode).toBe(404);
  });

  it('a refused address (550) fails at once, without retrying', async () => {
    await setup({ ownerEmail: undefined, reminderHours: [] });
    smtp().refuseRecipients(true);
    const { reference } = await book(48);
    await until(async () => (await statusOf(reference, 'confirmation')).join() === 'failed');
    const [n] = await list('status=failed');
    expect(n).toMatchObject({ attempts: 1, status: 'failed' });
    expect(String(n?.error)).toContain('550');
  });
});

describe('SMS by webhook, and no transport', () => {
  it('a client with only a phone gets an SMS, signed; one with both gets both', async () => {
    const secret = 'sms-webhook-secret-0123456789';
    const hook = await startSmsWebhook();
    closers.push(hook.close);
    await setup({ smsWebhookUrl: hook.url, smsWebhookSecret: secret, ownerEmail: undefined });
    const phoneOnly = await book(48, { name: 'Ola', phone: '+358401234567' });
    await until(() => hook.requests.length === 1).catch(async (e) => {
      console.log(JSON.stringify(await list('')));
      throw e;
    });
    const { body, headers } = hook.requests[0] ?? { body: '', headers: {} };
    expect(headers[SIGNATURE_HEADER]).toBe(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
    const sms = JSON.parse(body);
    expect(sms.to).toBe('+358401234567');
    expect(sms.body).toContain(phoneOnly.reference);
    expect(sms.body).toContain('Monday 7 December 2026 at 10:00');
    expect(smtp().messages).toHaveLength(0);

    const both = await book(49, { name: 'Pia', phone: '+358407654321', email: 'pia@example.com' });
    await until(() => hook.requests.length === 2 && smtp().messages.length === 1);
    expect(JSON.parse(hook.requests[1]?.body ?? '{}').to).toBe('+358407654321');
    expect(smtp().envelopes[0]).toEqual(['pia@example.com']);
    await until(async () => (await statusOf(both.reference, 'confirmation', 'sms')).join() === 'sent');
  });

  it('with no transport configured, messages are recorded as skipped and shown to the owner', async () => {
    await setup({ smtpUrl: undefined }, false);
    const { reference } = await book(48);
    await until(async () => (await statusOf(reference, 'confirmation')).join() === 'skipped');
    const [n] = (await list(`booking=${reference}`)).filter((x) => x.kind === 'confirmation');
    expect(n?.error).toBe('no transport configured');
  });
});
