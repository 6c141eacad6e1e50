import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Notification, Outcome } from '../../machines/index.js';
import type { Rendered } from './templates.js';

// The two ways out: email over SMTP (nodemailer) and SMS through a generic webhook. Each
// answers with an Outcome the pure decider understands: sent, transient (worth retrying:
// no connection, a timeout, a 4xx SMTP reply, a 5xx or 429 from the webhook) or permanent
// (a 5xx SMTP reply, a refused address, a 4xx from the webhook). Errors stop here.

export type Deliver = (n: Notification, message: Rendered) => Promise<Outcome>;

export const SIGNATURE_HEADER = 'x-holdfast-signature';

/** `sha256=<hex HMAC-SHA256 of the raw body>`, as the SMS webhook receives it. */
export const signBody = (secret: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** A whole SMTP conversation must end well inside a claim's lease. */
const SMTP_TIMEOUT_MS = 15_000;

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error)).slice(0, 300);

/** An SMTP failure's kind: 5xx replies (a refused recipient among them) are final. */
export const classifySmtpError = (error: unknown): Outcome => {
  const code = (error as { responseCode?: unknown }).responseCode;
  if (typeof code === 'number' && code >= 500) return { kind: 'permanent', error: describe(error) };
  return { kind: 'transient', error: describe(error) };
};

export const createEmailDelivery = (options: { smtpUrl: string; from: string }): Deliver & { close(): void } => {
  const transport = nodemailer.createTransport(
    {
      url: options.smtpUrl,
      connectionTimeout: SMTP_TIMEOUT_MS,
      greetingTimeout: SMTP_TIMEOUT_MS,
      socketTimeout: SMTP_TIMEOUT_MS,
    },
    { from: options.from },
  );
  const deliver = async (n: Notification, message: Rendered): Promise<Outcome> => {
    try {
      await transport.sendMail({
        to: n.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        // Fixed per notification: a retry after a crash mid-send is folded by mail clients.
        messageId: n.messageId,
        ...(message.ics !== undefined && {
          attachments: [
            { filename: 'appointment.ics', content: message.ics, contentType: 'text/calendar; charset=utf-8' },
          ],
        }),
      });
      return { kind: 'sent' };
    } catch (error) {
      return classifySmtpError(error);
    }
  };
  return Object.assign(deliver, { close: () => transport.close() });
};

const WEBHOOK_TIMEOUT_MS = 10_000;

export const createSmsDelivery = (options: { url: string; secret: string }): Deliver => {
  return async (n, message) => {
    const body = JSON.stringify({ to: n.to, body: message.sms });
    try {
      const res = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signBody(options.secret, body),
          'idempotency-key': n.messageId,
        },
        body,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { kind: 'sent' };
      const error = `SMS webhook answered ${res.status}`;
      return res.status >= 500 || res.status === 429 || res.status === 408
        ? { kind: 'transient', error }
        : { kind: 'permanent', error };
    } catch (error) {
      return { kind: 'transient', error: describe(error) };
    }
  };
};
