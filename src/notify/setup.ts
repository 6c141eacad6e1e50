import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { NotifyConfig } from '../config.js';
import type { EventLog } from '../eventlog/port.js';
import { createManageTokens } from '../http/manage-token.js';
import { createEmailDelivery, createSmsDelivery } from './deliver.js';
import { createNotifier, type Notifier } from './notifier.js';

// The notifier as configured from the environment: a transport for each channel that has
// one (none: those messages are recorded as skipped), links signed like the web app's.

/** `Holdfast <no-reply@salon.example>` → `salon.example`: the right side of every Message-ID. */
export const messageIdDomain = (mailFrom: string): string =>
  /@([^\s>]+)>?\s*$/.exec(mailFrom)?.[1]?.toLowerCase() ?? 'holdfast.invalid';

export const notifierFromConfig = (
  config: NotifyConfig,
  deps: {
    log: EventLog;
    clock: Clock;
    sessionSecret: string;
    publicUrl: string;
    salonName: string;
    salonTz: string;
    logger?: Logger | undefined;
  },
): Notifier & { transports: string[] } => {
  const email =
    config.smtpUrl === undefined ? undefined : createEmailDelivery({ smtpUrl: config.smtpUrl, from: config.mailFrom });
  const sms =
    config.smsWebhookUrl === undefined || config.smsWebhookSecret === undefined
      ? undefined
      : createSmsDelivery({ url: config.smsWebhookUrl, secret: config.smsWebhookSecret });
  const tokens = createManageTokens(deps.sessionSecret);
  const notifier = createNotifier({
    log: deps.log,
    clock: deps.clock,
    logger: deps.logger,
    plan: {
      reminderHours: config.reminderHours,
      ownerEmail: config.ownerEmail,
      messageIdDomain: messageIdDomain(config.mailFrom),
    },
    policy: { leaseMs: config.leaseSeconds * 1_000, giveUpMs: config.giveUpHours * 3_600_000 },
    deliver: { email, sms },
    message: {
      salonName: deps.salonName,
      salonTz: deps.salonTz,
      publicUrl: deps.publicUrl,
      manageToken: tokens.issue,
    },
  });
  return {
    ...notifier,
    transports: [...(email ? ['email'] : []), ...(sms ? ['sms'] : [])],
    stop: async () => {
      await notifier.stop();
      email?.close();
    },
  };
};
