import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

// A real SMTP server on 127.0.0.1 (the smtp-server package: the whole protocol), keeping
// every message it accepts, parsed by mailparser. It can be stopped and started again on
// the same port (an outage), refuse recipients for good (550), or hold a message's reply
// until the test lets it go (a send in progress, to kill the sender during it).

export type SmtpSink = {
  port: number;
  url: string;
  messages: ParsedMail[];
  /** Each message's envelope recipients, in the order received. */
  envelopes: string[][];
  /** Reply 550 to every recipient from now on. */
  refuseRecipients(on: boolean): void;
  /** Hold the reply to DATA until `release()` (the message is kept only if released). */
  holdReplies(on: boolean): void;
  /** Resolves when a message is being held. */
  held(): Promise<void>;
  release(): void;
  stop(): Promise<void>;
  start(): Promise<void>;
};

export const startSmtpSink = async (port = 0): Promise<SmtpSink> => {
  let refusing = false;
  let holding = false;
  let waiters: Array<() => void> = [];
  let releases: Array<() => void> = [];
  const messages: ParsedMail[] = [];
  const envelopes: string[][] = [];
  let server: SMTPServer | undefined;

  const make = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (_address, _session, callback) => {
        if (refusing) {
          const error = new Error('mailbox unavailable') as Error & { responseCode: number };
          error.responseCode = 550;
          callback(error);
        } else callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const keep = async () => {
            messages.push(await simpleParser(Buffer.concat(chunks)));
            envelopes.push(session.envelope.rcptTo.map((r) => r.address));
            callback();
          };
          if (!holding) void keep();
          else {
            releases.push(() => void keep());
            for (const w of waiters) w();
            waiters = [];
          }
        });
      },
    });

  const listen = (at: number) =>
    new Promise<number>((resolve, reject) => {
      server = make();
      server.on('error', () => undefined);
      const s = server.server;
      s.once('error', reject);
      server.listen(at, '127.0.0.1', () => resolve((s.address() as AddressInfo).port));
    });
  const actual = await listen(port);

  return {
    port: actual,
    url: `smtp://127.0.0.1:${actual}`,
    messages,
    envelopes,
    refuseRecipients: (on) => {
      refusing = on;
    },
    holdReplies: (on) => {
      holding = on;
    },
    held: () => (releases.length > 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
    release: () => {
      for (const r of releases) r();
      releases = [];
    },
    stop: () =>
      new Promise<void>((resolve) => {
        const s = server;
        server = undefined;
        if (s === undefined) return resolve();
        s.close(() => resolve());
        // Close open client connections too, so the port is really down.
        (s as unknown as { connections?: Set<{ close(): void }> }).connections?.forEach((c) => {
          c.close();
        });
      }),
    start: async () => {
      await listen(actual);
    },
  };
};

/** A local HTTP server standing in for an SMS provider: keeps each request's body and headers. */
export const startSmsWebhook = async (
  answer: (req: IncomingMessage) => number = () => 200,
): Promise<{
  url: string;
  requests: Array<{ body: string; headers: IncomingMessage['headers'] }>;
  close(): Promise<void>;
}> => {
  const requests: Array<{ body: string; headers: IncomingMessage['headers'] }> = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      res.statusCode = answer(req);
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sms`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};
