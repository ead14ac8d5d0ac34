/** A fresh database for one benchmark run on the embedded PostgreSQL server: dropped if it exists, then created. */
import pg from 'pg';

/** Drops and creates `database` on the server at `serverUrl`; returns the new database's URL. */
export async function freshBenchDatabase(serverUrl: string, database: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${database}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
