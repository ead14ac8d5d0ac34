import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { createLogger } from '../../src/logger.js';
import { acquireEmbeddedPostgres } from '../../src/store/postgres/embedded-server.js';
import { isProcessAlive } from '../../src/process-identity.js';
import { REPO_ROOT } from '../support/shared-test-postgres.js';

const FIXTURE = path.join(REPO_ROOT, 'service/test/fixtures/hold-embedded-postgres.ts');
const homes: string[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

function newHome(): string {
  const home = mkdtempSync(path.join(tmpdir(), 'ab-pg-'));
  chmodSync(home, 0o755); // reachable by the postgres user when the tests run as root
  homes.push(home);
  return home;
}

interface Holder {
  child: ChildProcessWithoutNullStreams;
  info: { port: number; dataDir: string; url: string; postmasterPid: number };
  release(): Promise<void>;
}

async function holdServer(home: string, runAs?: { uid: number; gid: number }): Promise<Holder> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, home], {
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(runAs ? { uid: runAs.uid, gid: runAs.gid, env: { ...process.env, HOME: home } } : {}),
  });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error(`holder exited early: ${stderr}`);
  const info = JSON.parse(first.value) as Holder['info'];
  return {
    child,
    info,
    async release() {
      child.stdin.write('release\n');
      const next = await lines.next();
      assert.equal(next.value, 'released');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    },
  };
}

async function queryWorks(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return (await client.query('SELECT 41 + 1 AS n')).rows[0].n === 42;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function waitUntilGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 200 && isProcessAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !isProcessAlive(pid);
}

after(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

describe('embedded PostgreSQL shared by one AUTOBACKUP_HOME', () => {
  test('two processes sharing a home use one server, which stops only after the last clean exit', async () => {
    const home = newHome();
    const a = await holdServer(home);
    const b = await holdServer(home);
    assert.equal(b.info.port, a.info.port, 'the second process joins the first one’s server');
    assert.equal(b.info.postmasterPid, a.info.postmasterPid);
    assert.equal(readdirSync(path.join(home, 'postgres', 'clients')).length, 2);

    await a.release();
    assert.ok(isProcessAlive(a.info.postmasterPid), 'still running while another process uses it');
    assert.ok(await queryWorks(b.info.url), 'the remaining process can still query');

    await b.release();
    assert.ok(await waitUntilGone(a.info.postmasterPid), 'the last clean exit stops the server');
    assert.equal(await queryWorks(b.info.url), false);
  });

  test('a server orphaned by a SIGKILLed owner is adopted by the next process, data intact', async () => {
    const home = newHome();
    const owner = await holdServer(home);
    const client = new pg.Client({ connectionString: owner.info.url });
    await client.connect();
    await client.query('CREATE TABLE survivor (v text)');
    await client.query("INSERT INTO survivor VALUES ('kept')");
    await client.end();

    owner.child.kill('SIGKILL');
    await new Promise((resolve) => owner.child.once('exit', resolve));
    assert.ok(isProcessAlive(owner.info.postmasterPid), 'the server outlives its killed owner');

    const next = await holdServer(home);
    assert.equal(next.info.postmasterPid, owner.info.postmasterPid, 'the orphan is adopted, not replaced');
    assert.deepEqual(readdirSync(path.join(home, 'postgres', 'clients')), [String(next.child.pid)]);
    const check = new pg.Client({ connectionString: next.info.url });
    await check.connect();
    assert.deepEqual((await check.query('SELECT v FROM survivor')).rows, [{ v: 'kept' }]);
    await check.end();

    await next.release();
    assert.ok(
      await waitUntilGone(owner.info.postmasterPid),
      'nothing is left running after the last clean exit',
    );
  });

  test('a stopped home starts again on its recorded data', async () => {
    const home = newHome();
    const logger = createLogger('silent');
    const first = await acquireEmbeddedPostgres({ home, logger });
    const c1 = new pg.Client({ connectionString: first.url });
    await c1.connect();
    await c1.query('CREATE TABLE t (v int)');
    await c1.query('INSERT INTO t VALUES (7)');
    await c1.end();
    await first.release();

    const second = await acquireEmbeddedPostgres({ home, logger });
    const c2 = new pg.Client({ connectionString: second.url });
    await c2.connect();
    assert.deepEqual((await c2.query('SELECT v FROM t')).rows, [{ v: 7 }]);
    await c2.end();
    await second.release();
  });

  test('the URL reaches the server over its Unix socket, which only its own user can open; TCP still answers', async () => {
    const home = newHome();
    const server = await acquireEmbeddedPostgres({ home, logger: createLogger('silent') });
    try {
      const socketDir = new URL(server.url).searchParams.get('host');
      assert.ok(socketDir, `the URL names a socket directory: ${server.url.replace(/:[^:@/]+@/, ':***@')}`);
      assert.ok(existsSync(path.join(socketDir, `.s.PGSQL.${server.port}`)), 'the socket is there');
      assert.equal(statSync(socketDir).mode & 0o777, 0o700);
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      // A Unix-socket connection has no client address.
      assert.deepEqual((await client.query('SELECT inet_client_addr() AS addr')).rows, [{ addr: null }]);
      await client.end();
      const tcp = new URL(server.url);
      tcp.search = '';
      assert.ok(await queryWorks(tcp.toString()), 'the same server over 127.0.0.1');
      const wrong = new URL(server.url);
      wrong.password = 'not-the-password';
      assert.equal(await queryWorks(wrong.toString()), false, 'the socket still asks for the password');
    } finally {
      await server.release();
    }
  });

  test('a data directory that is not a PostgreSQL cluster gets a clear message and is left untouched', async () => {
    const home = newHome();
    const dataDir = path.join(home, 'postgres', 'data');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path.join(dataDir, 'precious.txt'), 'not a database');
    await assert.rejects(
      acquireEmbeddedPostgres({ home, logger: createLogger('silent') }),
      (err: Error) =>
        err.message.includes(dataDir) && /not empty but holds no PostgreSQL cluster/.test(err.message),
    );
    assert.ok(existsSync(path.join(dataDir, 'precious.txt')), 'nothing already there was removed');
  });

  test('a busy AUTOBACKUP_PG_PORT is named in the error', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busyPort = (blocker.address() as net.AddressInfo).port;
    try {
      await assert.rejects(
        acquireEmbeddedPostgres({ home: newHome(), logger: createLogger('silent'), preferredPort: busyPort }),
        new RegExp(`AUTOBACKUP_PG_PORT ${busyPort} is already in use`),
      );
    } finally {
      blocker.close();
    }
  });

  test(
    'as a normal user, the server runs as that user with its data in the home',
    { skip: process.getuid?.() !== 0 ? 'the suite itself runs as a normal user here' : false },
    async () => {
      // Run as root, the test plays a normal user with `nobody`.
      const home = newHome();
      chownSync(home, 65534, 65534);
      const holder = await holdServer(home, { uid: 65534, gid: 65534 });
      assert.equal(holder.info.dataDir, path.join(home, 'postgres', 'data'));
      assert.equal(
        statSync(`/proc/${holder.info.postmasterPid}`).uid,
        65534,
        'the server runs as the user, not as postgres',
      );
      assert.ok(await queryWorks(holder.info.url));
      await holder.release();
      assert.ok(await waitUntilGone(holder.info.postmasterPid));
    },
  );

  test(
    'as root, a home the postgres user cannot reach keeps its data under /var/lib/autobackup',
    { skip: process.getuid?.() !== 0 ? 'only meaningful when running as root' : false },
    async () => {
      const home = newHome();
      chmodSync(home, 0o700);
      const server = await acquireEmbeddedPostgres({ home, logger: createLogger('silent') });
      try {
        assert.match(server.dataDir, /^\/var\/lib\/autobackup\/[0-9a-f]{16}\/data$/);
        assert.ok(await queryWorks(server.url));
      } finally {
        await server.release();
        rmSync(path.dirname(server.dataDir), { recursive: true, force: true });
      }
    },
  );
});
