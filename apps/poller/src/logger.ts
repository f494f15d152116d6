import { pino } from 'pino';
import type { Logger } from 'pino';

/**
 * The one place a logger is created. Secrets are redacted by configuration, not by call sites:
 * any field with one of these names is replaced wherever it appears (two levels deep).
 */
const SECRET_KEYS = [
  'password',
  'community',
  'authKey',
  'privKey',
  'secret',
  'credentials',
  'token',
];

export function createLogger(level: string, podId: string): Logger {
  return pino({
    level,
    base: { pod: podId },
    // pino's default `err` serializer appends every cause's message to the message; ours already
    // say their cause, so it printed twice. The cause stays available as its own field.
    serializers: { err: pino.stdSerializers.errWithCause },
    redact: {
      paths: [
        ...SECRET_KEYS,
        ...SECRET_KEYS.map((k) => `*.${k}`),
        ...SECRET_KEYS.map((k) => `*.*.${k}`),
      ],
      censor: '[redacted]',
    },
  });
}
