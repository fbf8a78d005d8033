import pino, { type Logger } from 'pino';

/** JSON logs; anything that could carry a secret is redacted wherever it appears. */
export function createLogger(level: string, destination: 1 | 2 = 1): Logger {
  return pino(
    {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        '*.client_secret',
        '*.clientSecret',
        '*.secret',
        '*.password',
        '*.apiToken',
        '*.accessToken',
      ],
      censor: '[redacted]',
    },
    },
    pino.destination({ fd: destination, sync: destination === 2 }),
  );
}
