/**
 * Structured logs (pino) to stderr, so stdout stays free for machine-readable CLI output.
 * Every line carries a `type` naming what it is about; child loggers add their scope.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

const REDACTED_KEYS = [
  '*.clientSecret',
  '*.privateKey',
  '*.password',
  '*.accessToken',
  '*.refreshToken',
  '*.serviceKey',
  '*.authorization',
  'clientSecret',
  'privateKey',
  'password',
  'accessToken',
  'serviceKey',
];

export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid, ...bindings },
      redact: { paths: REDACTED_KEYS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
