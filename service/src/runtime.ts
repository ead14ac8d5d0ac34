/**
 * What every entry point (CLI command, server) sets up first: validated config, logger, shutdown handling,
 * and — when asked — the database (DATABASE_URL, or the shared embedded server of AUTOBACKUP_HOME),
 * migrated to the latest schema.
 */
import { loadConfig, type Config } from './config.js';
import { Lifecycle } from './lifecycle.js';
import { createLogger, type Logger } from './logger.js';
import { createKnex, type Knex } from './store/db/knex.js';
import { checkSchemaCompatibility, migrateToLatest } from './store/db/migrate.js';
import { acquireEmbeddedPostgres } from './store/postgres/embedded-server.js';

export interface Runtime {
  config: Config;
  logger: Logger;
  lifecycle: Lifecycle;
}

export interface DatabaseRuntime extends Runtime {
  knex: Knex;
  databaseUrl: string;
  /** True when the database is the embedded server under AUTOBACKUP_HOME. */
  embedded: boolean;
}

export function openRuntime(
  env: NodeJS.ProcessEnv = process.env,
  options: { exitZeroOnSignal?: boolean } = {},
): Runtime {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  const lifecycle = new Lifecycle(logger);
  lifecycle.handleSignals({ exitZero: options.exitZeroOnSignal ?? false });
  return { config, logger, lifecycle };
}

export async function openDatabase(runtime: Runtime): Promise<DatabaseRuntime> {
  const { config, logger, lifecycle } = runtime;
  let databaseUrl = config.databaseUrl;
  if (databaseUrl === undefined) {
    const server = await acquireEmbeddedPostgres({
      home: config.home,
      logger,
      preferredPort: config.embeddedPgPort,
    });
    lifecycle.onShutdown('embedded-postgres', () => server.release());
    databaseUrl = server.url;
  }
  const knex = createKnex(databaseUrl);
  lifecycle.onShutdown('database-pool', () => knex.destroy());
  const applied = await migrateToLatest(knex);
  if (applied.length > 0) logger.info({ type: 'migrations', applied }, 'database migrated');
  const compatibility = await checkSchemaCompatibility(knex);
  if (compatibility.ok && compatibility.newer.length > 0)
    logger.warn(
      { type: 'migrations', newer: compatibility.newer },
      'the database schema is newer than this release (a rolling upgrade is under way); carrying on',
    );
  return { ...runtime, knex, databaseUrl, embedded: config.databaseUrl === undefined };
}
