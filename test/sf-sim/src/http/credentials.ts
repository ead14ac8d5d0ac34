import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SimOrg } from '../org/api.js';
import { tokenChars } from './ids.js';

/**
 * The connected app of the simulated org: consumer key and secret, the RSA key pair of its JWT
 * certificate, and the integration user's password. Generated at first start and kept in the
 * org's state file `oauth.json`, so a simulator restarted on the same state dir accepts the
 * same credentials. The private key is also written to `<org data dir>/server.key` for clients.
 */
export interface Credentials {
  clientId: string;
  clientSecret: string;
  password: string;
  privateKeyPem: string;
  publicKeyPem: string;
  /** Where the private key is on disk (the start line's privateKeyPath). */
  privateKeyPath: string;
}

const STATE_FILE = 'oauth.json';

type Stored = Omit<Credentials, 'privateKeyPath'>;

function generate(): Stored {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    // Real consumer keys start with 3MVG9 and are 85 characters long.
    clientId: `3MVG9${tokenChars(80)}`,
    clientSecret: randomBytes(32).toString('hex').toUpperCase(),
    password: `Sim-${tokenChars(16)}`,
    privateKeyPem: privateKey,
    publicKeyPem: publicKey,
  };
}

function parseStored(text: string): Stored {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`the org's ${STATE_FILE} is not valid JSON: ${(err as Error).message}`);
  }
  const v = value as Partial<Stored>;
  for (const key of ['clientId', 'clientSecret', 'password', 'privateKeyPem', 'publicKeyPem'] as const) {
    if (typeof v[key] !== 'string') throw new Error(`the org's ${STATE_FILE} lacks "${key}"`);
  }
  return v as Stored;
}

export function loadOrCreateCredentials(org: SimOrg): Credentials {
  const existing = org.readStateFile(STATE_FILE);
  const stored = existing === null ? generate() : parseStored(existing);
  if (existing === null) org.writeStateFile(STATE_FILE, JSON.stringify(stored, null, 2) + '\n');
  const privateKeyPath = path.join(org.dataDir, 'server.key');
  writeFileSync(privateKeyPath, stored.privateKeyPem, { mode: 0o600 });
  return { ...stored, privateKeyPath };
}
