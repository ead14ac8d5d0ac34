/**
 * `npm start`: the product on one machine with embedded defaults — the embedded PostgreSQL of AUTOBACKUP_HOME,
 * a filesystem bucket, the org simulator seeded with the demo org (kept under the home, so a second start resumes
 * the same org), and `autobackup serve` (the HTTP API, backing every enabled org up continuously) on 127.0.0.1.
 * The dashboard preview comes with later work; this says so plainly. Ctrl-C stops everything cleanly.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../test/sf-sim/src/index.js';
import { registerOrg } from '../service/src/backup/org-registration.js';
import { openDatabase, openRuntime } from '../service/src/runtime.js';
import { startService } from '../service/src/serve.js';
import { tryFileLock } from '../service/src/store/postgres/home-lock.js';
import { loadMasterKey } from '../service/src/secrets/master-key.js';
import { findOrg, updateOrgConnection } from '../service/src/store/orgs/org-repository.js';

// Signed links (the errors CSV) point at this machine unless PUBLIC_URL says otherwise.
const runtime = openRuntime(
  { PUBLIC_URL: `http://127.0.0.1:${process.env.PORT || 3000}`, ...process.env },
  { exitZeroOnSignal: true },
);
const { config, logger, lifecycle } = runtime;

try {
  // One demo per home: a second start would drive the same simulated org and repoint the first one's backup.
  mkdirSync(config.home, { recursive: true });
  const lock = await tryFileLock(path.join(config.home, 'npm-start.lock'));
  if (!lock.acquired)
    throw new Error(
      `another npm start (process ${lock.holder.split(' ')[0]}) runs with AUTOBACKUP_HOME=${config.home}; stop it first, or give this one another AUTOBACKUP_HOME and PORT`,
    );
  lifecycle.onShutdown('npm-start-lock', () => lock.release());
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

  // The simulator serves the demo org on a new port after a restart: point the stored org at it.
  await updateOrgConnection(db.knex, sim.orgId, { instanceUrl: sim.url, loginUrl: sim.url });
  const service = await startService(db, { host: '127.0.0.1' });
  lifecycle.onShutdown('service', () => service.stop());

  process.stdout.write(
    [
      `service API: ${service.server.url}/api/v1 (document: ${service.server.url}/api/v1/openapi.json)`,
      `org simulator (demo org ${sim.orgId}): ${sim.url}`,
      `database: ${db.embedded ? `embedded PostgreSQL on port ${new URL(db.databaseUrl).port} (home ${config.home})` : 'DATABASE_URL'}`,
      `bucket: ${config.storageUrl}`,
      ...(serviceKey
        ? [
            `service key for the package's External Credential (shown once): ${serviceKey}`,
            `  try: curl -H "Authorization: Bearer ${serviceKey}" ${service.server.url}/api/v1/orgs/${sim.orgId}/dashboard`,
          ]
        : [
            `service key: shown at the first start; a new one: npx autobackup orgs rotate-key --org ${sim.orgId}`,
          ]),
      '',
      `Backing up the demo org continuously. In another terminal: npx autobackup status --org ${sim.orgId}`,
      'Not there yet (coming with the next issues): the dashboard preview in the browser, file bodies, the API budget.',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
} catch (err) {
  logger.error({ type: 'start', err }, 'npm start failed');
  process.stderr.write(`npm start: ${err instanceof Error ? err.message : String(err)}\n`);
  await lifecycle.shutdown();
  process.exit(1);
}
