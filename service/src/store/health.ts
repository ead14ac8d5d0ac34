/** Readiness probes of what the service stands on: the database answers a query, the bucket answers a read. */
import type { Knex } from 'knex';
import type { BlobStore } from './blob/blob-store.js';

export interface ProbeResult {
  ok: boolean;
  /** What failed, in words safe to show to anyone (the probes are unauthenticated). */
  error?: string;
  /** The failure itself, for the log only. */
  cause?: unknown;
}

const PROBE_TIMEOUT_MS = 5000;

async function probe(what: string, run: () => Promise<unknown>): Promise<ProbeResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${PROBE_TIMEOUT_MS} ms`)),
      PROBE_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([run(), timeout]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: `${what} is not reachable`, cause: err };
  } finally {
    clearTimeout(timer);
  }
}

export function probeDatabase(knex: Knex): Promise<ProbeResult> {
  return probe('database', () => knex.raw('SELECT 1'));
}

/** A metadata read of a key that need not exist: an absent key answers as well as a present one. */
export function probeBucket(blobs: BlobStore): Promise<ProbeResult> {
  return probe('bucket', () => blobs.stat('healthz/probe'));
}
