import { type DestinationStream, pino } from 'pino';

// Customer contact details never reach the logs, whichever object carries them.
export const createLogger = (level: string, destination?: DestinationStream) =>
  pino(
    {
      level,
      redact: {
        paths: ['customer', '*.customer', '*.*.customer', 'phone', 'email', '*.phone', '*.email'],
        censor: '[redacted]',
      },
    },
    destination,
  );
