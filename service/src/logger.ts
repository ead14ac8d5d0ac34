/**
 * Structured logs (pino) to stderr, so stdout stays free for machine-readable CLI output.
 * Every line carries a `type` naming what it is about; child loggers add their scope.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger } from 'pino';

export type { Logger };

/** The request a piece of work serves: every log line written on its behalf carries its id. */
export const requestScope = new AsyncLocalStorage<{ requestId: string }>();

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
      mixin: () => {
        const scope = requestScope.getStore();
        return scope ? { requestId: scope.requestId } : {};
      },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
