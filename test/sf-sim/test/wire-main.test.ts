import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSimArgs } from '../src/main.js';

const MAIN = path.resolve(import.meta.dirname, '../src/main.ts');

function runMain(args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('npm run sim (test/sf-sim/src/main.ts)', () => {
  test('flags are validated with a message naming the flag', () => {
    assert.deepEqual(parseSimArgs([]), { seed: 'small' });
    assert.deepEqual(parseSimArgs(['--port', '0', '--seed', 'demo', '--records', '1000', '--churn', '5']), {
      seed: 'demo',
      port: 0,
      records: 1000,
      churn: 5,
    });
    assert.throws(() => parseSimArgs(['--seed', 'huge']), /--seed must be "small" or "demo"/);
    assert.throws(() => parseSimArgs(['--org-id', '123']), /--org-id must be a 15- or 18-character org id/);
    assert.throws(() => parseSimArgs(['--records=-5']), /--records must be an integer/);
    assert.throws(() => parseSimArgs(['--bogus']), /Unknown option '--bogus'/);
  });

  test('a bad flag value exits 2 with the message and the usage', async () => {
    const child = runMain(['--port', 'abc']);
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 2, stderr);
    assert.match(stderr, /--port must be an integer between 0 and 65535, got "abc"/);
    assert.match(stderr, /usage: npm run sim --/);
  });

  test('prints the one-line start object, serves, and stops cleanly on SIGTERM', async () => {
    const child = runMain(['--port', '0', '--seed', 'small']);
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      const lines = createInterface({ input: child.stdout });
      const [first] = (await once(lines, 'line')) as [string];
      const start = JSON.parse(first) as Record<string, string>;
      assert.deepEqual(Object.keys(start), [
        'url',
        'orgId',
        'username',
        'clientId',
        'clientSecret',
        'privateKeyPath',
        'apiVersion',
      ]);
      assert.match(start.url ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(start.orgId ?? '', /^00D\w{15}$/);
      assert.equal(start.apiVersion, '62.0');
      const res = await fetch(`${start.url}/services/data/`);
      assert.equal(res.status, 200);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number];
      assert.equal(code, 0, stderr);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
