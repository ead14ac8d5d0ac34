/** A real `@google-cloud/storage` client pointed at a gcs-sim, with short retry delays for tests. */
import { Storage } from '@google-cloud/storage';

export function sdkClient(url: string, retry: { maxRetries?: number; autoRetry?: boolean } = {}): Storage {
  return new Storage({
    apiEndpoint: url,
    projectId: 'gcs-sim-test',
    retryOptions: {
      autoRetry: retry.autoRetry ?? true,
      maxRetries: retry.maxRetries ?? 5,
      retryDelayMultiplier: 1.5,
      maxRetryDelay: 1, // seconds; File.save rejects values below 1 (async-retry minTimeout)
      totalTimeout: 30,
    },
  });
}
