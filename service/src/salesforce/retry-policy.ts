/**
 * How every Salesforce call retries a transient failure (5xx, 429, a dropped connection, ConcurrentPerOrgLongTxn):
 * up to `retries` more attempts (default 6, about 16 s of backoff in all), each retry logged.
 */
import type { Options } from 'p-retry';
import type { Logger } from '../logger.js';
import type { SalesforceError } from './errors.js';

export function salesforceRetry(
  logger: Logger,
  path: string,
  options: { retries?: number; signal?: AbortSignal; what?: string } = {},
): Options {
  return {
    retries: options.retries ?? 6,
    minTimeout: 250,
    maxTimeout: 8000,
    factor: 2,
    randomize: true,
    ...(options.signal !== undefined && { signal: options.signal }),
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      logger.warn(
        {
          type: 'salesforce-retry',
          path,
          errorCode: (error as SalesforceError).errorCode,
          status: (error as SalesforceError).status,
          attemptNumber,
          retriesLeft,
        },
        `transient Salesforce failure${options.what ? ` on ${options.what}` : ''}; retrying`,
      );
    },
  };
}
