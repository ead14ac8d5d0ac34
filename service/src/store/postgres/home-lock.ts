/**
 * A short-lived exclusive lock on a file, held only while one process inspects or changes the shared
 * embedded server's registration. A lock whose holder died is taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive, processStartTime } from '../../process-identity.js';

export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  timeoutMs = 120_000,
): Promise<T> {
  const me = `${process.pid} ${processStartTime(process.pid) ?? ''}`;
  const started = Date.now();
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      await handle.writeFile(me);
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = (await readFile(lockPath, 'utf8').catch(() => '')).trim();
      const [pidText, startTime] = holder.split(' ');
      const pid = Number(pidText);
      // An empty file is a lock being written right now; anything else names its holder.
      if (holder !== '' && (!Number.isInteger(pid) || !isProcessAlive(pid, startTime || undefined))) {
        await rm(lockPath, { force: true });
        continue;
      }
      if (Date.now() - started > timeoutMs) {
        throw new Error(`timed out waiting for ${lockPath}, held by process ${holder || 'unknown'}`);
      }
      await sleep(25 + Math.random() * 50);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}
