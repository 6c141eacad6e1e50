import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, until } from '../support/fixtures.js';
import { assertBuilt, browser, type ServerProcess, startServer, stopServer } from '../support/server-process.js';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.js';

// The real process (dist/src/main.js) with a real SMTP server: messages survive SIGKILL —
// right after a booking's 200, and in the middle of an SMTP conversation — and two
// processes on one SQLite file send each message once.

const OWNER_TOKEN = 'notify-process-owner-token-0123456789';
let sink: SmtpSink;
let servers: ServerProcess[] = [];
const dirs: Array<{ remove(): void }> = [];

beforeAll(async () => {
  assertBuilt();
  sink = await startSmtpSink();
});
afterEach(async () => {
  for (const s of servers) await stopServer(s);
  servers = [];
  sink.messages.length = 0;
  sink.envelopes.length = 0;
  sink.holdReplies(false);
});
afterAll(async () => {
  await sink.stop();
  for (const d of dirs) d.remove();
});

const envFor = (dataDir: string) => ({
  DATA_DIR: dataDir,
  DEMO: '1',
  RATE_LIMIT_PER_MINUTE: '0',
  OWNER_TOKEN,
  SMTP_URL: sink.url,
  MAIL_FROM: 'Salon <no-reply@salon.example>',
  REMINDER_HOURS: '',
  NOTIFY_LEASE_SECONDS: '2',
  HOLD_PRESSURE_PERCENT: '0',
  MAX_HOLDS_PER_IP: '1000',
});

const start = async (dataDir: string): Promise<ServerProcess> => {
  const server = await startServer(envFor(dataDir));
  servers.push(server);
  return server;
};

const freeSlots = async (base: string): Promise<string[]> => {
  const slots = (await browser(base).call('GET', '/api/timeslots')).body as unknown as Array<{
    id: string;
    status: string;
    start_time: string;
  }>;
  return slots.filter((s) => s.status === 'available' && Date.parse(s.start_time) > Date.now()).map((s) => s.id);
};

const book = async (base: string, slotId: string, email: string): Promise<string> => {
  const client = browser(base);
  expect((await client.call('POST', `/api/timeslots/${slotId}/reserve`)).status).toBe(200);
  const res = await client.call('POST', `/api/timeslots/${slotId}/book`, { customer: { name: 'Ida', email } });
  expect(res.status).toBe(200);
  return res.body.booking.reference as string;
};

describe('notifications in the real process', () => {
  it('a SIGKILL right after the 200, and one in the middle of sending: delivered after restart, same Message-ID', {
    timeout: 90_000,
  }, async () => {
    const dir = tempDir('holdfast-notify-');
    dirs.push(dir);
    let server = await start(dir.path);
    const [first, second] = await freeSlots(server.base);
    if (first === undefined || second === undefined) throw new Error('the demo schedule has no free slots');

    // 1. Killed as soon as the booking is answered.
    sink.holdReplies(true); // and, should it get that far, mid-send
    const one = await book(server.base, first, 'one@example.com');
    await stopServer(server);
    servers = [];
    sink.release();
    sink.holdReplies(false);
    server = await start(dir.path);
    await until(() => sink.messages.some((m) => m.messageId === `<${one}.1@salon.example>`), 20_000);

    // 2. Killed while the SMTP server holds its reply to the message.
    sink.holdReplies(true);
    const two = await book(server.base, second, 'two@example.com');
    await sink.held();
    await stopServer(server);
    servers = [];
    sink.release(); // the first attempt did get through: the retry must carry the same Message-ID
    sink.holdReplies(false);
    server = await start(dir.path);
    await until(() => sink.messages.filter((m) => m.messageId === `<${two}.1@salon.example>`).length === 2, 20_000);

    for (const m of sink.messages)
      expect([`<${one}.1@salon.example>`, `<${two}.1@salon.example>`]).toContain(m.messageId);
    const owner = browser(server.base, {}, { authorization: `Bearer ${OWNER_TOKEN}` });
    await until(async () => {
      const list = (await owner.call('GET', `/api/admin/notifications?booking=${two}`)).body as unknown as Array<{
        status: string;
        attempts: number;
      }>;
      return list.length === 1 && list[0]?.status === 'sent' && list[0]?.attempts === 2;
    }, 10_000);
  });

  it('two processes on one SQLite file send each message once', { timeout: 60_000 }, async () => {
    const dir = tempDir('holdfast-notify-two-');
    dirs.push(dir);
    const a = await start(dir.path);
    const b = await start(dir.path);
    const slots = (await freeSlots(a.base)).slice(0, 6);
    const refs: string[] = [];
    for (const [i, slot] of slots.entries())
      refs.push(await book(i % 2 === 0 ? a.base : b.base, slot, `c${i}@example.com`));
    await until(() => sink.messages.length >= refs.length, 20_000);
    await new Promise((done) => setTimeout(done, 1_500)); // time for a second copy, were one coming
    expect(sink.messages.map((m) => m.messageId).sort()).toEqual(refs.map((r) => `<${r}.1@salon.example>`).sort());
  });

  it('sends a reminder at its hour on the real clock (a short REMINDER_HOURS)', { timeout: 60_000 }, async () => {
    const dir = tempDir('holdfast-notify-reminder-');
    dirs.push(dir);
    // A slot two to three minutes ahead (whole minutes), and a reminder due 15 s from now.
    const startsAt = Math.ceil(Date.now() / 60_000) * 60_000 + 120_000;
    const dueIn = 15_000; // room for the process to start and the booking to be made first
    const hours = (startsAt - Date.now() - dueIn) / 3_600_000;
    const server = await startServer({ ...envFor(dir.path), DEMO: '0', REMINDER_HOURS: hours.toFixed(6) });
    servers.push(server);
    const owner = browser(server.base, {}, { authorization: `Bearer ${OWNER_TOKEN}` });
    const opened = await owner.call('POST', '/api/admin/timeslots', {
      timeslots: [
        {
          start_time: new Date(startsAt).toISOString(),
          end_time: new Date(startsAt + 30 * 60_000).toISOString(),
          stylist: 'Anna',
        },
      ],
    });
    expect(opened.status).toBe(201);
    const slotId = String((opened.body.timeslots as Array<{ id: string }>)[0]?.id);
    const dueAt = startsAt - Number(hours.toFixed(6)) * 3_600_000;
    const reference = await book(server.base, slotId, 'remind@example.com');
    await until(() => sink.messages.length >= 2, 30_000);
    const reminder = sink.messages.find((m) => m.messageId !== `<${reference}.1@salon.example>`);
    expect(reminder?.messageId).toMatch(new RegExp(`^<${reference}\\.\\d+@salon\\.example>$`));
    expect(reminder?.to && 'text' in reminder.to ? reminder.to.text : '').toContain('remind@example.com');
    expect(reminder?.subject ?? '').toMatch(/remind/i);
    // Not before its hour: the confirmation came at once, the reminder once its time had come.
    expect(Date.now()).toBeGreaterThanOrEqual(dueAt - 50);
    // The sent fact follows the SMTP server's reply: wait for it rather than race it.
    type Listed = { kind: string; due_at: string; status: string };
    let owed: Listed | undefined;
    await until(async () => {
      const listed = (await owner.call('GET', `/api/admin/notifications?booking=${reference}`))
        .body as unknown as Listed[];
      owed = listed.find((n) => n.kind === 'reminder');
      return owed?.status === 'sent';
    }, 10_000);
    expect(Math.abs(Date.parse(owed?.due_at ?? '') - dueAt)).toBeLessThan(1_000);
  });
});
