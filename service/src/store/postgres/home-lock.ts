/**
 * Exclusive locks on a file: short-lived ones held while one process inspects or changes the shared embedded
 * server's registration, and long-lived ones held for a process's whole run (one `npm start` per home). A lock
 * whose holder died is taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive, processStartTime } from '../../process-identity.js';

export type LockAttempt = { acquired: true; release(): Promise<void> } | { acquired: false; holder: string };

/** Takes the lock if it is free or its holder died; otherwise says who holds it. Never waits. */
export async function tryFileLock(lockPath: string): Promise<LockAttempt> {
  const me = `${process.pid} ${processStartTime(process.pid) ?? ''}`;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      await handle.writeFile(me);
      await handle.close();
      return { acquired: true, release: () => rm(lockPath, { force: true }) };
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
      return { acquired: false, holder: holder || 'unknown' };
    }
  }
}

export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  timeoutMs = 120_000,
): Promise<T> {
  const started = Date.now();
  let attempt = await tryFileLock(lockPath);
  while (!attempt.acquired) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`timed out waiting for ${lockPath}, held by process ${attempt.holder}`);
    }
    await sleep(25 + Math.random() * 50);
    attempt = await tryFileLock(lockPath);
  }
  try {
    return await fn();
  } finally {
    await attempt.release();
  }
}
