import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * JSON logs; anything that could carry a secret is redacted wherever it appears.
 * `destination`: stdout (1), stderr (2, synchronous, for operator commands), or a stream.
 */
export function createLogger(level: string, destination: 1 | 2 | DestinationStream = 1): Logger {
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
    typeof destination === 'number' ? pino.destination({ fd: destination, sync: destination === 2 }) : destination,
  );
}
