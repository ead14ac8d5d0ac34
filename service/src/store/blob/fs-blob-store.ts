/**
 * The filesystem bucket (`STORAGE_URL=file:///path`). A write goes to a temp file under the root's
 * `.incoming/`, is fsynced, then hard-linked to its key — `link` fails when the key exists, so
 * nothing is ever overwritten and a reader never sees a half-written object — and the directory
 * entry is fsynced before `putIfAbsent` resolves.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants, createReadStream } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { NativeCrc32c } from './crc32c.js';
import {
  RESERVED_TOP_SEGMENT,
  rangeBeyondEnd,
  validateBlobKey,
  validateBlobPrefix,
  validateRange,
} from './blob-key.js';
import {
  BlobChecksumError,
  BlobNotFoundError,
  type BlobInfo,
  type BlobStore,
  type ByteRange,
  type PutOptions,
  type PutResult,
} from './blob-store.js';

/** In-flight temp files older than this belong to a writer that died. */
const STALE_TEMP_MS = 24 * 60 * 60 * 1000;

function isErrno(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes((err as NodeJS.ErrnoException).code ?? '');
}

/** Bytes of a streamed body gathered before they are written (one writev). */
const WRITE_BATCH_BYTES = 1024 * 1024;

/** Writes `chunks` (`total` bytes) at the file's position, all of them even if a write comes back short. */
async function writeAll(handle: FileHandle, chunks: Buffer[], total: number): Promise<void> {
  const { bytesWritten } = await handle.writev(chunks);
  if (bytesWritten === total) return;
  const rest = Buffer.concat(chunks, total).subarray(bytesWritten);
  for (let at = 0; at < rest.length;) at += (await handle.write(rest, at)).bytesWritten;
}

async function fsyncPath(p: string): Promise<void> {
  const handle = await open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class FsBlobStore implements BlobStore {
  readonly url: string;
  private readonly incoming: string;
  private sweep: Promise<void> | undefined;
  /**
   * Directories this store made or found, so a write does not ask again (a `mkdir -p` is two system calls per
   * write, and a backfill writes thousands of packs and file bodies). One that goes away meanwhile is made again:
   * a link or open that fails with ENOENT forgets what is known and retries once.
   */
  private readonly knownDirs = new Set<string>();

  /** `root` must be absolute; it is created on the first write. */
  constructor(readonly root: string) {
    if (!path.isAbsolute(root))
      throw new Error(`filesystem blob store root must be an absolute path, got '${root}'`);
    this.root = path.resolve(root);
    this.url = pathToFileURL(this.root).href;
    this.incoming = path.join(this.root, RESERVED_TOP_SEGMENT);
  }

  private pathOf(key: string): string {
    return path.join(this.root, ...validateBlobKey(key).split('/'));
  }

  async putIfAbsent(key: string, body: Buffer | Readable, options: PutOptions = {}): Promise<PutResult> {
    const target = this.pathOf(key);
    if (Buffer.isBuffer(body)) {
      // Cheap early answers for the common re-put of an existing pack; the link below stays the arbiter.
      if (options.md5 !== undefined) {
        const md5 = createHash('md5').update(body).digest('base64');
        if (options.md5 !== md5)
          throw new BlobChecksumError(key, `expected md5 ${options.md5}, received bytes have md5 ${md5}`);
      }
      const existing = await stat(target).catch(() => undefined);
      if (existing?.isFile()) return { created: false, size: existing.size };
    }
    const temp = await this.tempFile();
    try {
      // A buffer's md5 was checked above; a stream's is known only once it is written.
      const checkMd5 = options.md5 !== undefined && !Buffer.isBuffer(body);
      const { size, md5 } = await this.writeTemp(temp, body, checkMd5);
      if (checkMd5 && options.md5 !== md5) {
        throw new BlobChecksumError(key, `expected md5 ${options.md5}, received bytes have md5 ${md5}`);
      }
      return await this.commit(temp, target, size);
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  async get(key: string, range?: ByteRange): Promise<Buffer> {
    const file = this.pathOf(key);
    const { handle, size } = await this.openForRead(key, file);
    try {
      if (!range) return await handle.readFile();
      const { start, end } = this.clamp(key, range, size);
      const out = Buffer.alloc(end - start + 1);
      let filled = 0;
      while (filled < out.length) {
        const { bytesRead } = await handle.read(out, filled, out.length - filled, start + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return out.subarray(0, filled);
    } finally {
      await handle.close();
    }
  }

  async getStream(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.pathOf(key);
    const { handle, size } = await this.openForRead(key, file);
    try {
      if (!range) return handle.createReadStream({ autoClose: true });
      const { start, end } = this.clamp(key, range, size);
      return handle.createReadStream({ start, end, autoClose: true });
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Includes md5 and crc32c, computed by reading the file: the filesystem keeps no checksum of its own. */
  async stat(key: string): Promise<BlobInfo | null> {
    const file = this.pathOf(key);
    try {
      const hash = createHash('md5');
      const crc = new NativeCrc32c();
      let size = 0;
      for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        crc.update(chunk);
        size += chunk.length;
      }
      return { key, size, md5: hash.digest('base64'), crc32c: crc.toString() };
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR', 'EISDIR')) return null;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    validateBlobPrefix(prefix);
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash >= 0 ? prefix.slice(0, slash + 1) : '';
    yield* this.walk(dirKey, prefix);
  }

  /**
   * Depth-first over `dirKey` in key order: a directory sorts as its name plus '/', so 'a-b'
   * comes before everything under 'a/', exactly as the full keys compare.
   */
  private async *walk(dirKey: string, prefix: string): AsyncGenerator<BlobInfo> {
    let entries;
    try {
      entries = await readdir(path.join(this.root, ...dirKey.split('/').filter(Boolean)), {
        withFileTypes: true,
      });
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return;
      throw err;
    }
    const named = entries
      .filter((e) => e.isFile() || e.isDirectory())
      .filter((e) => !(dirKey === '' && e.name === RESERVED_TOP_SEGMENT))
      .map((e) => ({ key: dirKey + e.name + (e.isDirectory() ? '/' : ''), dir: e.isDirectory() }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const entry of named) {
      if (entry.dir) {
        if (entry.key.startsWith(prefix) || prefix.startsWith(entry.key)) yield* this.walk(entry.key, prefix);
      } else if (entry.key.startsWith(prefix)) {
        try {
          const { size } = await stat(path.join(this.root, ...entry.key.split('/')));
          yield { key: entry.key, size };
        } catch (err) {
          if (!isErrno(err, 'ENOENT')) throw err; // deleted while listing
        }
      }
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathOf(key));
    } catch (err) {
      if (!isErrno(err, 'ENOENT', 'ENOTDIR')) throw err;
    }
  }

  async copyIfAbsent(from: string, to: string): Promise<PutResult> {
    const source = this.pathOf(from);
    const target = this.pathOf(to);
    // Objects are immutable, so a second name for the same inode is a copy: no bytes move (a 1 GB file body
    // lands under its content address at once). Where links do not work, the bytes are copied.
    const size = await stat(source).then(
      (info) => (info.isFile() ? info.size : undefined),
      () => undefined,
    );
    if (size === undefined) throw new BlobNotFoundError(from);
    try {
      return await this.commit(source, target, size);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw new BlobNotFoundError(from); // deleted meanwhile
      if (!/does not support hard links/.test((err as Error).message)) throw err;
    }
    const temp = await this.tempFile();
    try {
      try {
        await copyFile(source, temp);
      } catch (err) {
        if (isErrno(err, 'ENOENT', 'ENOTDIR', 'EISDIR')) throw new BlobNotFoundError(from);
        throw err;
      }
      await fsyncPath(temp);
      return await this.commit(temp, target, (await stat(temp)).size);
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  private async tempFile(): Promise<string> {
    await this.ensureDir(this.incoming);
    this.sweep ??= this.sweepStaleTemps();
    await this.sweep;
    return path.join(this.incoming, `${Date.now()}-${randomBytes(8).toString('hex')}.tmp`);
  }

  /** `mkdir -p dir` unless known to exist; returns the first directory created, as mkdir does. */
  private async ensureDir(dir: string): Promise<string | undefined> {
    if (this.knownDirs.has(dir)) return undefined;
    const firstCreated = await mkdir(dir, { recursive: true });
    this.knownDirs.add(dir);
    return firstCreated;
  }

  /** Runs `op`; when it fails because a directory went away (ENOENT), forgets the known ones and runs it again. */
  private async withDirs<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (!isErrno(err, 'ENOENT') || this.knownDirs.size === 0) throw err;
      this.knownDirs.clear();
      return op();
    }
  }

  /** Once per process: removes temp files a crashed writer left behind (older than a day). */
  private async sweepStaleTemps(): Promise<void> {
    const cutoff = Date.now() - STALE_TEMP_MS;
    for (const name of await readdir(this.incoming)) {
      const file = path.join(this.incoming, name);
      try {
        if ((await stat(file)).mtimeMs < cutoff) await unlink(file);
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    }
  }

  /** Writes `body` to `temp` (exclusive create), hashing as it goes, and fsyncs it. */
  private async writeTemp(
    temp: string,
    body: Buffer | Readable,
    withMd5: boolean,
  ): Promise<{ size: number; md5: string | null }> {
    const hash = withMd5 ? createHash('md5') : null;
    let size = 0;
    const handle = await this.withDirs(async () => {
      await this.ensureDir(path.dirname(temp));
      return open(temp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o644);
    });
    try {
      if (Buffer.isBuffer(body)) {
        hash?.update(body);
        size = body.length;
        await handle.writeFile(body);
      } else {
        // A stream's chunks are small (16–64 KiB off a socket): gathered into one writev per WRITE_BATCH_BYTES,
        // a file body costs a few system calls and awaits rather than one per chunk.
        let pending: Buffer[] = [];
        let pendingBytes = 0;
        for await (const chunk of body as AsyncIterable<Buffer | string>) {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          hash?.update(bytes);
          size += bytes.length;
          pending.push(bytes);
          pendingBytes += bytes.length;
          if (pendingBytes >= WRITE_BATCH_BYTES) {
            await writeAll(handle, pending, pendingBytes);
            pending = [];
            pendingBytes = 0;
          }
        }
        if (pendingBytes > 0) await writeAll(handle, pending, pendingBytes);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { size, md5: hash ? hash.digest('base64') : null };
  }

  /** Links the finished temp file to its key unless the key exists; fsyncs the new directory entries. */
  private async commit(temp: string, target: string, size: number): Promise<PutResult> {
    const dir = path.dirname(target);
    let firstCreated: string | undefined;
    try {
      await this.withDirs(async () => {
        firstCreated = (await this.ensureDir(dir)) ?? firstCreated;
        await link(temp, target);
      });
    } catch (err) {
      if (isErrno(err, 'EEXIST')) return { created: false, size: (await stat(target)).size };
      if (isErrno(err, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV')) {
        throw new Error(
          `the filesystem under ${this.root} does not support hard links, which atomic no-overwrite writes need: ${(err as Error).message}`,
        );
      }
      throw err;
    }
    // Make the new name durable: the target's directory, and every directory mkdir just created.
    await fsyncPath(dir);
    if (firstCreated !== undefined) {
      for (let d = dir; d !== path.dirname(firstCreated) && d.startsWith(this.root); d = path.dirname(d)) {
        await fsyncPath(path.dirname(d));
      }
    }
    return { created: true, size };
  }

  /** The open file and its size (one fstat answers both whether it is a file and how long it is). */
  private async openForRead(key: string, file: string): Promise<{ handle: FileHandle; size: number }> {
    try {
      const handle = await open(file, 'r');
      const info = await handle.stat();
      if (!info.isFile()) {
        await handle.close();
        throw new BlobNotFoundError(key);
      }
      return { handle, size: info.size };
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) throw new BlobNotFoundError(key);
      throw err;
    }
  }

  /** GCS semantics: an end past the object is cut to its last byte; a start past it is an error. */
  private clamp(key: string, range: ByteRange, size: number): { start: number; end: number } {
    const { start, end } = validateRange(key, range);
    if (start >= size) throw rangeBeyondEnd(key, start, size);
    return { start, end: Math.min(end, size - 1) };
  }
}
