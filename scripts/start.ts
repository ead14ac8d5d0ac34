/**
 * `npm start`: the product on one machine with embedded defaults.
 * Today it runs what exists — the embedded PostgreSQL of AUTOBACKUP_HOME (migrated), the filesystem bucket
 * location, and the org simulator seeded with the demo org — and says plainly what is not there yet.
 * Ctrl-C stops everything cleanly; a second start resumes on the same home.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openDatabase, openRuntime } from '../service/src/runtime.js';

const runtime = openRuntime();
const { config, logger, lifecycle } = runtime;
try {
  const db = await openDatabase(runtime);
  if (config.storageUrl.startsWith('file://')) mkdirSync(fileURLToPath(config.storageUrl), { recursive: true });

  const sim = await startDemoSimulator();
  if (sim) lifecycle.onShutdown('org-simulator', () => sim.close());

  const lines = [
    sim ? `org simulator (demo org ${sim.orgId}): ${sim.url}` : undefined,
    `database: ${db.embedded ? `embedded PostgreSQL on port ${new URL(db.databaseUrl).port} (home ${config.home})` : 'DATABASE_URL'}`,
    `bucket: ${config.storageUrl}`,
    '',
    'Not there yet (coming with the next issues): the backup service itself (HTTP API, scheduler, workers),',
    'the dashboard preview, and continuous backup of the simulated org. `npx autobackup --help` lists the',
    'commands that exist today. Press Ctrl-C to stop.',
  ].filter((l): l is string => l !== undefined);
  process.stdout.write(`${lines.join('\n')}\n`);
  await new Promise<never>(() => undefined);
} catch (err) {
  logger.error({ type: 'start', err }, 'npm start failed');
  process.stderr.write(`npm start: ${err instanceof Error ? err.message : String(err)}\n`);
  await lifecycle.shutdown();
  process.exit(1);
}

async function startDemoSimulator(): Promise<{ url: string; orgId: string; close(): Promise<void> } | undefined> {
  try {
    const simulatorModule = '../test/sf-sim/src/index.js';
    const sim = (await import(simulatorModule)) as {
      startSimulator(opts: Record<string, unknown>): Promise<{ url: string; orgId: string; close(): Promise<void> }>;
    };
    return await sim.startSimulator({ seed: 'demo', stateDir: `${config.home}/sf-sim` });
  } catch (err) {
    logger.warn({ type: 'start', err }, 'the org simulator is not available yet');
    return undefined;
  }
}
