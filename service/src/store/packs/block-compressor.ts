/**
 * Compresses pack blocks on worker threads. Each task gzips one block (synchronous zlib inside the
 * worker) and checksums its entries; the block's memory is transferred, not copied. Measured on a
 * 2-core machine (bench/store.bench.ts), zlib's asynchronous API costs about twice the CPU of the
 * synchronous one per block (thread-pool hand-offs and output copies) and keeps the main thread
 * busy scheduling; a small pool of dedicated threads running the synchronous call does not.
 *
 * The worker source is inline so it runs the same under tsx, the CLI and the tests (no separate
 * file for a loader to find). Workers are unref'd: an idle pool never keeps the process alive.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { gzipSync, crc32 } = require('node:zlib');
parentPort.on('message', (task) => {
  try {
    const raw = Buffer.from(task.buffer, 0, task.length);
    const checksums = new Uint32Array(task.offsets.length);
    for (let j = 0; j < checksums.length; j++) {
      const start = task.offsets[j];
      checksums[j] = crc32(raw.subarray(start, start + task.lengths[j]));
    }
    const compressed = gzipSync(raw, task.options);
    parentPort.postMessage({ id: task.id, compressed, checksums }, [checksums.buffer]);
  } catch (err) {
    parentPort.postMessage({ id: task.id, error: String((err && err.message) || err) });
  }
});
`;

export interface CompressedBlock {
  compressed: Buffer;
  /** CRC-32 of each entry line (entry-hash.ts). */
  checksums: Uint32Array;
}

interface Pending {
  resolve(block: CompressedBlock): void;
  reject(err: Error): void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Pending>;
}

type Reply = { id: number; compressed: Uint8Array; checksums: Uint32Array } | { id: number; error: string };

/** Threads that compress: all cores but the one the main thread and Postgres need, at least one. */
const POOL_SIZE = Math.max(1, Math.min(4, availableParallelism() - 1));

let pool: PoolWorker[] = [];
let nextId = 1;

function startWorker(): PoolWorker {
  const entry: PoolWorker = { worker: new Worker(WORKER_SOURCE, { eval: true }), pending: new Map() };
  entry.worker.unref();
  entry.worker.on('message', (reply: Reply) => {
    const waiting = entry.pending.get(reply.id);
    if (!waiting) return;
    entry.pending.delete(reply.id);
    if (entry.pending.size === 0) entry.worker.unref();
    if ('error' in reply) waiting.reject(new Error(`compressing a pack block failed: ${reply.error}`));
    else
      waiting.resolve({
        compressed: Buffer.from(
          reply.compressed.buffer,
          reply.compressed.byteOffset,
          reply.compressed.byteLength,
        ),
        checksums: reply.checksums,
      });
  });
  const fail = (err: Error) => {
    pool = pool.filter((w) => w !== entry);
    for (const waiting of entry.pending.values()) waiting.reject(err);
    entry.pending.clear();
  };
  entry.worker.on('error', fail);
  entry.worker.on('exit', (code) => fail(new Error(`block compressor thread exited (code ${code})`)));
  return entry;
}

function leastBusy(): PoolWorker {
  while (pool.length < POOL_SIZE) pool.push(startWorker());
  return pool.reduce((best, w) => (w.pending.size < best.pending.size ? w : best));
}

/**
 * gzips `raw` and checksums the lines at `offsets`/`lengths`. `raw` must own its ArrayBuffer from
 * byte 0 (Buffer.allocUnsafeSlow): the buffer is transferred and unusable afterwards.
 */
export function compressBlock(
  raw: Buffer,
  offsets: readonly number[],
  lengths: readonly number[],
  options: { level: number; memLevel: number },
): Promise<CompressedBlock> {
  if (raw.byteOffset !== 0) throw new Error('a block to compress must start its own buffer');
  const target = leastBusy();
  const id = nextId++;
  return new Promise<CompressedBlock>((resolve, reject) => {
    target.pending.set(id, { resolve, reject });
    target.worker.ref(); // a block in flight keeps the process alive until it is done
    target.worker.postMessage({ id, buffer: raw.buffer, length: raw.length, offsets, lengths, options }, [
      raw.buffer as ArrayBuffer,
    ]);
  });
}
