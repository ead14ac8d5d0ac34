/**
 * Secrets (client secrets, JWT private keys) as the admin gives them — a literal, `env:NAME` or `file:PATH` —
 * and as they are stored: references stay references; literals are sealed with AES-256-GCM under the master
 * key, bound to their purpose (e.g. "org 00D…/clientSecret") so a ciphertext cannot be moved to another field.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export type StoredSecret =
  | { kind: 'env'; name: string }
  | { kind: 'file'; path: string }
  | { kind: 'sealed'; v: 1; iv: string; tag: string; data: string };

export class SecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretError';
  }
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Turns what the admin typed into what is stored. `what` names the option in messages (never the value). */
export function sealSecretInput(
  input: string,
  masterKey: Buffer,
  purpose: string,
  what: string,
): StoredSecret {
  if (input.startsWith('env:')) {
    const name = input.slice(4);
    if (!ENV_NAME.test(name))
      throw new SecretError(`${what}: "env:" must be followed by a variable name, e.g. env:SF_CLIENT_SECRET`);
    return { kind: 'env', name };
  }
  if (input.startsWith('file:')) {
    const path = input.slice(5);
    if (path.trim() === '')
      throw new SecretError(`${what}: "file:" must be followed by a path, e.g. file:/etc/autobackup/key.pem`);
    return { kind: 'file', path };
  }
  if (input.trim() === '') throw new SecretError(`${what}: empty; give the value, env:NAME or file:PATH`);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
  cipher.setAAD(Buffer.from(purpose));
  const data = Buffer.concat([cipher.update(input, 'utf8'), cipher.final()]);
  return {
    kind: 'sealed',
    v: 1,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

/** The secret's value now (env and file references are read at each use, so rotation needs no restart). */
export async function revealSecret(
  stored: StoredSecret,
  masterKey: Buffer,
  purpose: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  switch (stored.kind) {
    case 'env': {
      const value = env[stored.name];
      if (value === undefined || value === '')
        throw new SecretError(`environment variable ${stored.name} (for ${purpose}) is not set`);
      return value;
    }
    case 'file':
      try {
        return (await readFile(stored.path, 'utf8')).trim();
      } catch (err) {
        throw new SecretError(
          `cannot read ${stored.path} (for ${purpose}): ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        );
      }
    case 'sealed':
      try {
        const decipher = createDecipheriv('aes-256-gcm', masterKey, Buffer.from(stored.iv, 'base64'));
        decipher.setAAD(Buffer.from(purpose));
        decipher.setAuthTag(Buffer.from(stored.tag, 'base64'));
        return Buffer.concat([
          decipher.update(Buffer.from(stored.data, 'base64')),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new SecretError(
          `the stored secret for ${purpose} cannot be decrypted: AUTOBACKUP_MASTER_KEY (or $AUTOBACKUP_HOME/master.key) is not the key it was stored with`,
        );
      }
  }
}

/** How a stored secret is shown to people: never the value. */
export function describeSecret(stored: StoredSecret): string {
  return stored.kind === 'env'
    ? `env:${stored.name}`
    : stored.kind === 'file'
      ? `file:${stored.path}`
      : '(stored encrypted)';
}
