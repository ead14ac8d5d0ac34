import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadMasterKey, MasterKeyError } from '../../src/secrets/master-key.js';
import { describeSecret, revealSecret, sealSecretInput, SecretError } from '../../src/secrets/secret-ref.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ab-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('secrets given as literal, env:NAME or file:PATH', () => {
  const key = randomBytes(32);

  test('a literal is stored encrypted and reads back only with the same key and purpose', async () => {
    const stored = sealSecretInput('s3cr3t-value', key, 'org A/clientSecret', '--client-secret');
    assert.equal(stored.kind, 'sealed');
    assert.ok(!JSON.stringify(stored).includes('s3cr3t-value'), 'the value is not in the stored form');
    assert.equal(await revealSecret(stored, key, 'org A/clientSecret'), 's3cr3t-value');
    await assert.rejects(
      revealSecret(stored, randomBytes(32), 'org A/clientSecret'),
      /not the key it was stored with/,
    );
    await assert.rejects(
      revealSecret(stored, key, 'org B/clientSecret'),
      SecretError,
      'bound to its purpose',
    );
    assert.equal(describeSecret(stored), '(stored encrypted)');
  });

  test('env: and file: stay references, read at each use', async () => {
    const envRef = sealSecretInput('env:SF_SECRET', key, 'p', '--client-secret');
    assert.deepEqual(envRef, { kind: 'env', name: 'SF_SECRET' });
    assert.equal(await revealSecret(envRef, key, 'p', { SF_SECRET: 'first' }), 'first');
    assert.equal(await revealSecret(envRef, key, 'p', { SF_SECRET: 'rotated' }), 'rotated');
    await assert.rejects(
      revealSecret(envRef, key, 'p', {}),
      /environment variable SF_SECRET \(for p\) is not set/,
    );

    const keyFile = path.join(dir, 'key.pem');
    writeFileSync(keyFile, '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n');
    const fileRef = sealSecretInput(`file:${keyFile}`, key, 'p', '--private-key');
    assert.equal(
      await revealSecret(fileRef, key, 'p'),
      '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----',
    );
    await assert.rejects(
      revealSecret({ kind: 'file', path: '/no/such/key.pem' }, key, 'p'),
      /cannot read \/no\/such\/key.pem \(for p\): ENOENT/,
    );
  });

  test('malformed inputs are rejected with the option named', () => {
    assert.throws(
      () => sealSecretInput('env:1BAD', key, 'p', '--client-secret'),
      /--client-secret: "env:" must be followed by a variable name/,
    );
    assert.throws(
      () => sealSecretInput('file:', key, 'p', '--private-key'),
      /--private-key: "file:" must be followed by a path/,
    );
    assert.throws(() => sealSecretInput('   ', key, 'p', '--client-secret'), /--client-secret: empty/);
  });
});

describe('the master key', () => {
  test('is generated once into the home with mode 0600 and reused', async () => {
    const home = path.join(dir, 'home1');
    const [a, b] = await Promise.all([
      loadMasterKey({ masterKey: undefined, home }),
      loadMasterKey({ masterKey: undefined, home }),
    ]);
    assert.equal(a.length, 32);
    assert.deepEqual(a, b, 'processes starting together agree on one key');
    assert.deepEqual(await loadMasterKey({ masterKey: undefined, home }), a);
    assert.equal(statSync(path.join(home, 'master.key')).mode & 0o777, 0o600);
    assert.match(readFileSync(path.join(home, 'master.key'), 'utf8'), /^[0-9a-f]{64}\n$/);
  });

  test('AUTOBACKUP_MASTER_KEY wins over the file; a damaged key file is reported, not replaced', async () => {
    const given = randomBytes(32);
    assert.deepEqual(await loadMasterKey({ masterKey: given, home: path.join(dir, 'unused') }), given);
    const home = path.join(dir, 'home2');
    await loadMasterKey({ masterKey: undefined, home });
    writeFileSync(path.join(home, 'master.key'), 'garbage');
    await assert.rejects(loadMasterKey({ masterKey: undefined, home }), MasterKeyError);
    assert.equal(readFileSync(path.join(home, 'master.key'), 'utf8'), 'garbage', 'nothing was overwritten');
  });
});
