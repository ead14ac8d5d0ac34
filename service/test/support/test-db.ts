/**
 * Isolated databases for tests, on real PostgreSQL: a template database migrated to the latest schema once
 * (keyed by a hash of the migration sources, so a changed migration gets a fresh template), cloned per caller.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { createKnex, type Knex } from '../../src/store/db/knex.js';
import { migrateToLatest } from '../../src/store/db/migrate.js';
import { REPO_ROOT, startSharedTestPostgres } from './shared-test-postgres.js';

export interface TestDatabase {
  url: string;
  knex: Knex;
  destroy(): Promise<void>;
}

let serverUrl: Promise<string> | undefined;

/** The maintenance URL of the test server; starts the shared embedded one for this process when needed. */
export function testServerUrl(): Promise<string> {
  serverUrl ??= (async () => {
    if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
    const server = await startSharedTestPostgres();
    // Released when this test process has nothing left to do, so the last one out stops the server.
    process.once('beforeExit', () => void server.release());
    return server.url;
  })();
  return serverUrl;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function migrationsHash(): string {
  const dir = path.join(REPO_ROOT, 'service/src/store/db/migrations');
  const hash = createHash('sha256');
  for (const name of readdirSync(dir, { recursive: true }).map(String).sort()) {
    if (name.endsWith('.ts')) hash.update(name).update(readFileSync(path.join(dir, name)));
  }
  return hash.digest('hex').slice(0, 12);
}

async function ensureTemplate(maintenanceUrl: string): Promise<string> {
  const template = `autobackup_tmpl_${migrationsHash()}`;
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    // One builder at a time across test processes.
    await client.query('SELECT pg_advisory_lock(4242)');
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (exists.rowCount === 0) {
      const building = `${template}_building`;
      await client.query(`DROP DATABASE IF EXISTS ${building}`);
      await client.query(`CREATE DATABASE ${building}`);
      const knex = createKnex(withDatabase(maintenanceUrl, building), { poolMax: 1 });
      try {
        await migrateToLatest(knex);
      } finally {
        await knex.destroy();
      }
      await client.query(`ALTER DATABASE ${building} RENAME TO ${template}`);
    }
    await client.query('SELECT pg_advisory_unlock(4242)');
  } finally {
    await client.end();
  }
  return template;
}

/** A fresh database migrated to the latest schema, cloned from the template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const maintenanceUrl = await testServerUrl();
  return newDatabase(maintenanceUrl, 'autobackup_test', await ensureTemplate(maintenanceUrl));
}

/** A fresh, empty (unmigrated) database, for migration tests. */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  return newDatabase(await testServerUrl(), 'autobackup_empty');
}

async function adminQuery(maintenanceUrl: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: maintenanceUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

async function newDatabase(maintenanceUrl: string, prefix: string, template?: string): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(maintenanceUrl, `CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  const url = withDatabase(maintenanceUrl, name);
  const knex = createKnex(url);
  return {
    url,
    knex,
    async destroy() {
      await knex.destroy();
      await adminQuery(maintenanceUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
