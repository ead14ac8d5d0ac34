/**
 * `npm start`: the product on one machine with embedded defaults — the embedded PostgreSQL of AUTOBACKUP_HOME,
 * a filesystem bucket, the org simulator seeded with the demo org and a stream of changes (kept under the home,
 * so a second start resumes the same org), and `autobackup serve` on 127.0.0.1 backing it up continuously and
 * serving the dashboard preview: the package's own Lightning Web Components (preview/build.ts).
 *
 * stdout: the one-time login link of the preview, then a three-line guide. stderr: everything else — logs
 * (LOG_LEVEL, `warn` by default here), the service key at the first start, and the progress of the first
 * backfill (a bar on a terminal, a line every few seconds otherwise). Ctrl-C stops everything cleanly.
 *
 * AUTOBACKUP_START_ORG=<org id> shows and backs up an org registered with `autobackup orgs add` instead of the
 * simulator (no simulator is started).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { buildPreview } from '../preview/build.js';
import { startSimulator, type Simulator } from '../test/sf-sim/src/index.js';
import { getStatusReport } from '../service/src/app/dashboard.js';
import { openStore } from '../service/src/backup/engine-factory.js';
import { registerOrg } from '../service/src/backup/org-registration.js';
import { Lifecycle } from '../service/src/lifecycle.js';
import { openDatabase, openRuntime, type DatabaseRuntime } from '../service/src/runtime.js';
import { startService } from '../service/src/serve.js';
import { tryFileLock } from '../service/src/store/postgres/home-lock.js';
import { loadMasterKey } from '../service/src/secrets/master-key.js';
import { findOrgByAnyId, updateOrgConnection } from '../service/src/store/orgs/org-repository.js';

/** Simulated changes per minute in the demo org while it runs. */
const DEMO_CHURN_PER_MINUTE = 30;

// Signed links (the errors CSV) point at this machine unless PUBLIC_URL says otherwise; logs stay quiet enough
// for the progress bar unless LOG_LEVEL says otherwise.
const runtime = openRuntime(
  { PUBLIC_URL: `http://127.0.0.1:${process.env.PORT || 3000}`, LOG_LEVEL: 'warn', ...process.env },
  { exitZeroOnSignal: true },
);
const { config, logger, lifecycle } = runtime;
const say = (line: string) => process.stderr.write(`${line}\n`);

/** The simulator with the demo org, kept under the home so a second start resumes it. */
async function startDemoSimulator(): Promise<Simulator> {
  const sim = await startSimulator({
    seed: 'demo',
    stateDir: path.join(config.home, 'sf-sim'),
    churn: DEMO_CHURN_PER_MINUTE,
  });
  lifecycle.onShutdown('org-simulator', () => sim.close());
  say(`org simulator (demo org ${sim.orgId}): ${sim.url}`);
  return sim;
}

/** The demo org registered at the first start, and repointed at the simulator's new port after. */
async function registerDemoOrg(
  db: DatabaseRuntime,
  sim: Simulator,
): Promise<{ orgId: string; serviceKey?: string }> {
  let serviceKey: string | undefined;
  if (!(await findOrgByAnyId(db.knex, sim.orgId))) {
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
  await updateOrgConnection(db.knex, sim.orgId, { instanceUrl: sim.url, loginUrl: sim.url });
  return { orgId: sim.orgId, ...(serviceKey ? { serviceKey } : {}) };
}

/** The progress of the backfill until the org is Running Continuously (or Paused, or in Error). */
function showBackfillProgress(db: DatabaseRuntime, orgId: string): void {
  const app = { config, logger, store: openStore(config, db.knex, logger), now: () => new Date() };
  const tty = process.stderr.isTTY === true;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format: 'backing up the org |{bar}| {value}/{total} objects | {versions} versions | {status}',
          stream: process.stderr,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let lastLine = 0;
  let timer: NodeJS.Timeout | undefined;
  const finish = () => {
    clearTimeout(timer);
    bar?.stop();
  };
  lifecycle.onShutdown('backfill-progress', finish);
  const tick = async () => {
    try {
      const report = await getStatusReport(app, orgId);
      const counted = report.objects.filter((o) => o.status !== 'Excluded' && o.status !== 'Unavailable');
      const done = counted.filter((o) => o.status !== 'Backfilling').length;
      const figures = { versions: report.totals.versions.toLocaleString('en'), status: report.status };
      if (bar) {
        if (!bar.isActive) bar.start(counted.length, done, figures);
        bar.setTotal(counted.length);
        bar.update(done, figures);
      } else if (Date.now() - lastLine > 5000) {
        lastLine = Date.now();
        say(
          `backing up the org: ${done}/${counted.length} objects, ${figures.versions} versions, ${report.status}`,
        );
      }
      if (report.status !== 'Backfilling' && report.status !== 'Behind') {
        finish();
        say(
          `${report.status} ${Math.round(process.uptime())} s after the start: ${figures.versions} versions of ${counted.length} objects backed up`,
        );
        return;
      }
    } catch (err) {
      logger.warn({ type: 'start', err }, 'could not read the backup progress');
    }
    timer = setTimeout(() => void tick(), 1000);
  };
  void tick();
}

try {
  // One demo per home: a second start would drive the same simulated org and repoint the first one's backup.
  mkdirSync(config.home, { recursive: true });
  const lock = await tryFileLock(path.join(config.home, 'npm-start.lock'));
  if (!lock.acquired)
    throw new Error(
      `another npm start (process ${lock.holder.split(' ')[0]}) runs with AUTOBACKUP_HOME=${config.home}; stop it first, or give this one another AUTOBACKUP_HOME and PORT`,
    );
  lifecycle.onShutdown('npm-start-lock', () => lock.release());
  const realOrg = process.env.AUTOBACKUP_START_ORG?.trim();
  // The slow parts overlap: the preview's build (first start only) goes on while the database and the simulator
  // start and the backup begins; the login link is printed once the page is there.
  const preview = buildPreview();
  preview.catch(() => undefined); // awaited below
  // The database's cleanup steps go to a lifecycle of their own, run by one step registered before it starts: a
  // Ctrl-C while the embedded PostgreSQL is still starting then waits for it and stops it instead of leaving it.
  const databaseLifecycle = new Lifecycle(logger);
  const opening = openDatabase({ config, logger, lifecycle: databaseLifecycle });
  const closeDatabase = () => databaseLifecycle.shutdown();
  lifecycle.onShutdown('database', () => opening.then(closeDatabase, closeDatabase));
  const [db, sim] = await Promise.all([opening, realOrg ? undefined : startDemoSimulator()]);
  if (config.storageUrl.startsWith('file://'))
    mkdirSync(fileURLToPath(config.storageUrl), { recursive: true });

  let org: { orgId: string; serviceKey?: string };
  if (realOrg) {
    const found = await findOrgByAnyId(db.knex, realOrg);
    if (!found)
      throw new Error(
        `AUTOBACKUP_START_ORG=${realOrg}: no such org in this database; add it first with npx autobackup orgs add`,
      );
    org = { orgId: found.orgId };
  } else {
    org = await registerDemoOrg(db, sim!);
  }

  const service = await startService(db, {
    host: '127.0.0.1',
    preview: { orgId: org.orgId, dir: preview.then((built) => built.dir) },
  });
  lifecycle.onShutdown('service', () => service.stop());
  const url = service.server.url;
  showBackfillProgress(db, org.orgId);
  const built = await preview;
  if (built.built) say(`dashboard preview built from force-app into ${built.dir}`);

  process.stdout.write(
    [
      `${url}${service.preview!.newLoginPath()}`,
      `  Open the link above in a browser on this machine to see the dashboard (it signs you in once; then ${url}/).`,
      `  ${realOrg ? `Backing up org ${org.orgId}` : `Backing up the simulated demo org ${org.orgId}, with changes arriving`} continuously; progress and logs below (stderr).`,
      '  Press Ctrl-C to stop; npm start again resumes where it stopped.',
      '',
    ].join('\n'),
  );
  say(
    `service API: ${url}/api/v1 (document: ${url}/api/v1/openapi.json); database: ${db.embedded ? `embedded PostgreSQL on port ${new URL(db.databaseUrl).port} (home ${config.home})` : 'DATABASE_URL'}; bucket: ${config.storageUrl}`,
  );
  say(
    org.serviceKey
      ? `service key for the package's External Credential (shown once): ${org.serviceKey}`
      : `service key: shown when the org was added; a new one: npx autobackup orgs rotate-key --org ${org.orgId}`,
  );
} catch (err) {
  if (lifecycle.stopping) {
    // Ctrl-C during the start makes what was starting fail; the signal's shutdown exits once it is done.
    await lifecycle.shutdown();
  } else {
    logger.error({ type: 'start', err }, 'npm start failed');
    process.stderr.write(`npm start: ${err instanceof Error ? err.message : String(err)}\n`);
    await lifecycle.shutdown();
    process.exit(1);
  }
}
