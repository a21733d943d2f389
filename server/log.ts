import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The process logger: JSON lines on stdout. Anything that looks like a secret is redacted by
 * path, and database URLs are only ever logged through `redactUrl`.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: undefined,
    redact: {
      paths: [
        'password',
        '*.password',
        'databaseUrl',
        '*.databaseUrl',
        'authorization',
        '*.authorization',
        'req.headers.authorization',
        'key',
        '*.key',
      ],
      censor: '***',
    },
  });
}
