import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import { REPO_ROOT } from './support/shared-test-postgres.js';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env, '/srv');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('configuration from the environment', () => {
  test('defaults: home ./.autobackup, a filesystem bucket inside it, port 3000, lag 120 s, budget 50 %', () => {
    const config = loadConfig({}, '/srv/app');
    assert.equal(config.home, '/srv/app/.autobackup');
    assert.equal(config.storageUrl, 'file:///srv/app/.autobackup/bucket');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.port, 3000);
    assert.equal(config.lagSeconds, 120);
    assert.equal(config.apiBudgetShare, 0.5);
    assert.ok(Object.isFrozen(config));
  });

  test('explicit values are taken, empty ones count as unset', () => {
    const config = loadConfig(
      {
        AUTOBACKUP_HOME: '/data/ab',
        DATABASE_URL: 'postgres://u:p@db:5432/ab',
        STORAGE_URL: 'gs://acme-backups/prod',
        PORT: '8080',
        LOG_LEVEL: 'debug',
        AUTOBACKUP_MASTER_KEY: 'ab'.repeat(32),
        AUTOBACKUP_API_BUDGET_SHARE: '0.25',
        AUTOBACKUP_PG_PORT: '',
      },
      '/srv',
    );
    assert.equal(config.home, '/data/ab');
    assert.equal(config.databaseUrl, 'postgres://u:p@db:5432/ab');
    assert.equal(config.storageUrl, 'gs://acme-backups/prod');
    assert.equal(config.port, 8080);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.masterKey?.length, 32);
    assert.equal(config.apiBudgetShare, 0.25);
    assert.equal(config.embeddedPgPort, undefined);
  });

  test('each bad variable is named with the expected form and the value given', () => {
    const problems = problemsOf({
      PORT: 'abc',
      STORAGE_URL: 's3://bucket',
      LOG_LEVEL: 'loud',
      AUTOBACKUP_API_BUDGET_SHARE: '1.5',
    });
    assert.equal(problems.length, 4);
    assert.ok(
      problems.some((p) => p.startsWith('PORT:') && p.includes('between 1 and 65535') && p.includes('"abc"')),
    );
    assert.ok(
      problems.some((p) => p.startsWith('STORAGE_URL:') && p.includes('gs://bucket/prefix or file:///')),
    );
    assert.ok(problems.some((p) => p.startsWith('LOG_LEVEL:') && p.includes('info')));
    assert.ok(problems.some((p) => p.startsWith('AUTOBACKUP_API_BUDGET_SHARE:') && p.includes('at most 1')));
  });

  test('a port out of range and a malformed database URL are rejected', () => {
    assert.ok(problemsOf({ PORT: '70000' })[0]?.startsWith('PORT:'));
    assert.ok(problemsOf({ AUTOBACKUP_PG_PORT: '0' })[0]?.startsWith('AUTOBACKUP_PG_PORT:'));
    assert.ok(problemsOf({ DATABASE_URL: 'mysql://x' })[0]?.startsWith('DATABASE_URL:'));
  });

  test('the public URL must be https (http only on loopback); the rate limit a positive whole number', () => {
    assert.equal(
      loadConfig({ PUBLIC_URL: 'https://backup.example.com' }, '/srv').publicUrl,
      'https://backup.example.com',
    );
    assert.equal(
      loadConfig({ PUBLIC_URL: 'http://127.0.0.1:3000' }, '/srv').publicUrl,
      'http://127.0.0.1:3000',
    );
    assert.equal(loadConfig({}, '/srv').publicUrl, undefined);
    for (const bad of [
      'http://backup.example.com',
      'backup.example.com',
      'https://x.example.com/?a=1',
      'ftp://x',
    ])
      assert.ok(
        problemsOf({ PUBLIC_URL: bad })[0]?.startsWith('PUBLIC_URL: expected the public https://'),
        bad,
      );
    assert.equal(loadConfig({}, '/srv').rateLimitPerMinute, 1200);
    assert.equal(loadConfig({ AUTOBACKUP_RATE_LIMIT: '60' }, '/srv').rateLimitPerMinute, 60);
    for (const bad of ['0', '-5', '1.5', 'lots'])
      assert.ok(problemsOf({ AUTOBACKUP_RATE_LIMIT: bad })[0]?.startsWith('AUTOBACKUP_RATE_LIMIT:'), bad);
    assert.equal(loadConfig({}, '/srv').sliceSeconds, 120);
    assert.equal(loadConfig({ AUTOBACKUP_SLICE_SECONDS: '5' }, '/srv').sliceSeconds, 5);
    for (const bad of ['4', '3601', '1.5', 'two minutes'])
      assert.equal(
        problemsOf({ AUTOBACKUP_SLICE_SECONDS: bad })[0],
        `AUTOBACKUP_SLICE_SECONDS: expected a whole number from 5 to 3600, got ${JSON.stringify(bad)}`,
      );
  });

  test('secrets are never echoed back in the messages', () => {
    const [problem] = problemsOf({ AUTOBACKUP_MASTER_KEY: 'too-short-secret' });
    assert.ok(problem?.startsWith('AUTOBACKUP_MASTER_KEY: expected 32 bytes'));
    assert.ok(!problem?.includes('too-short-secret'));
    const [dbProblem] = problemsOf({ DATABASE_URL: 'mysql://user:hunter2@x' });
    assert.ok(!dbProblem?.includes('hunter2'));
  });

  test('the CLI reports a bad variable on stderr and exits 2, changing nothing', () => {
    const result = spawnSync(path.join(REPO_ROOT, 'bin/autobackup.js'), ['db', 'status'], {
      env: { ...process.env, PORT: 'not-a-port', AUTOBACKUP_HOME: '/nonexistent/never-created' },
      encoding: 'utf8',
    });
    assert.equal(result.status, 2);
    assert.match(
      result.stderr,
      /PORT: expected PORT as a whole number between 1 and 65535, got "not-a-port"/,
    );
    assert.equal(result.stdout, '');
  });
});
