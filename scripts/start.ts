/**
 * `npm start`: the product on one machine with embedded defaults — the embedded PostgreSQL of AUTOBACKUP_HOME,
 * a filesystem bucket, the org simulator seeded with the demo org (kept under the home, so a second start resumes
 * the same org), and the backup engine backing that org up continuously. The HTTP API and the dashboard preview
 * come with later work; this says so plainly. Ctrl-C stops everything cleanly.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../test/sf-sim/src/index.js';
import { runBackupPass } from '../service/src/backup/backup-pass.js';
import { MaintenanceSchedule } from '../service/src/backup/store-maintenance.js';
import { openEngine } from '../service/src/backup/engine-factory.js';
import { registerOrg } from '../service/src/backup/org-registration.js';
import { openDatabase, openRuntime } from '../service/src/runtime.js';
import { loadMasterKey } from '../service/src/secrets/master-key.js';
import { findOrg, updateOrgConnection } from '../service/src/store/orgs/org-repository.js';

const runtime = openRuntime();
const { config, logger, lifecycle } = runtime;

try {
  const db = await openDatabase(runtime);
  if (config.storageUrl.startsWith('file://'))
    mkdirSync(fileURLToPath(config.storageUrl), { recursive: true });

  const sim = await startSimulator({ seed: 'demo', stateDir: path.join(config.home, 'sf-sim'), churn: 30 });
  lifecycle.onShutdown('org-simulator', () => sim.close());

  let serviceKey: string | undefined;
  if (!(await findOrg(db.knex, sim.orgId))) {
    const registered = await registerOrg(
      {
        instanceUrl: sim.url,
        loginUrl: sim.url,
        clientId: sim.clientId,
        privateKey: `file:${sim.privateKeyPath}`,
        username: sim.username,
      },
      { knex: db.knex, masterKey: await loadMasterKey(config), logger },
    );
    serviceKey = registered.serviceKey;
  }

  process.stdout.write(
    [
      `org simulator (demo org ${sim.orgId}): ${sim.url}`,
      `database: ${db.embedded ? `embedded PostgreSQL on port ${new URL(db.databaseUrl).port} (home ${config.home})` : 'DATABASE_URL'}`,
      `bucket: ${config.storageUrl}`,
      ...(serviceKey
        ? [`service key for the package's External Credential (shown once): ${serviceKey}`]
        : []),
      '',
      `Backing up the demo org continuously. In another terminal: npx autobackup status --org ${sim.orgId}`,
      'Not there yet (coming with the next issues): the HTTP API for the package and the dashboard preview.',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  // The simulator serves the demo org on a new port after a restart: point the stored org at it.
  await updateOrgConnection(db.knex, sim.orgId, { instanceUrl: sim.url, loginUrl: sim.url });
  const ctx = await openEngine(db, sim.orgId);
  const maintenance = new MaintenanceSchedule(ctx.options.maintenanceIntervalMs);
  while (!lifecycle.stopping) {
    try {
      const pass = await runBackupPass(ctx);
      const written = pass.outcomes.reduce((n, o) => n + o.written, 0);
      const failed = pass.outcomes.filter((o) => !o.ok).map((o) => o.object);
      logger.info(
        { type: 'backup-pass', objects: pass.outcomes.length, written, failed },
        `backup pass: ${written} new versions`,
      );
    } catch (err) {
      logger.error({ type: 'backup-pass', err }, 'backup pass failed; trying again shortly');
    }
    await maintenance.runIfDue(ctx.store, ctx.org.orgId, logger);
    await lifecycle.pause(ctx.options.passIntervalMs);
  }
} catch (err) {
  logger.error({ type: 'start', err }, 'npm start failed');
  process.stderr.write(`npm start: ${err instanceof Error ? err.message : String(err)}\n`);
  await lifecycle.shutdown();
  process.exit(1);
}
