/**
 * The master key that encrypts secrets stored in the database: AUTOBACKUP_MASTER_KEY when set, otherwise a
 * key generated once into `$AUTOBACKUP_HOME/master.key` (mode 0600) and reused by every later process.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export class MasterKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyError';
  }
}

export async function loadMasterKey(options: {
  masterKey: Buffer | undefined;
  home: string;
}): Promise<Buffer> {
  if (options.masterKey) return options.masterKey;
  const file = path.join(options.home, 'master.key');
  await mkdir(options.home, { recursive: true });
  try {
    // 'wx': exactly one of several processes starting at once creates it; the others read it.
    await writeFile(file, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const text = (await readFile(file, 'utf8')).trim();
  if (!/^[0-9a-f]{64}$/i.test(text)) {
    throw new MasterKeyError(
      `${file} does not hold a master key (expected 64 hex characters); restore it from your backup`,
    );
  }
  const mode = (await stat(file)).mode & 0o777;
  if (mode !== 0o600) await chmod(file, 0o600);
  return Buffer.from(text, 'hex');
}
