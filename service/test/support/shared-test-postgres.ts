/**
 * The PostgreSQL server tests run against: TEST_DATABASE_URL when the runner (or the developer) gives one,
 * otherwise the embedded server of the test home `.autobackup-test`, shared by every test process.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../src/logger.js';
import { acquireEmbeddedPostgres } from '../../src/store/postgres/embedded-server.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const TEST_HOME = process.env.AUTOBACKUP_TEST_HOME ?? path.join(REPO_ROOT, '.autobackup-test');

/** Starts (or joins) the shared test server; the URL points at its `postgres` maintenance database. */
export async function startSharedTestPostgres(): Promise<{ url: string; release(): Promise<void> }> {
  const server = await acquireEmbeddedPostgres({
    home: TEST_HOME,
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'warn'),
    database: 'postgres',
  });
  return { url: server.url, release: () => server.release() };
}
