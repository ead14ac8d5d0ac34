/**
 * The simulator's buckets and objects: one live generation per object name, generations and
 * metagenerations as GCS assigns them, preconditions, and optional persistence to a directory.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { gcsErrors } from './errors.js';
import { hashesOf, type ObjectHashes } from './hashes.js';

export interface BucketRecord {
  name: string;
  timeCreated: string;
  updated: string;
  metageneration: number;
  location: string;
  storageClass: string;
  labels: Record<string, string>;
}

/** Settable object metadata (what uploads, patch and rewrite may carry). */
export interface ObjectMetadataFields {
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  metadata?: Record<string, string>;
}

/** The string-valued fields of ObjectMetadataFields (all but `metadata`). */
export const OBJECT_TEXT_FIELDS = [
  'contentType',
  'contentEncoding',
  'contentDisposition',
  'contentLanguage',
  'cacheControl',
] as const;

export interface ObjectRecord extends ObjectMetadataFields {
  bucket: string;
  name: string;
  generation: number;
  metageneration: number;
  size: number;
  md5Hash: string;
  crc32c: string;
  timeCreated: string;
  updated: string;
  data: Buffer;
}

/** Query-string preconditions, as strings straight from the request. */
export interface Preconditions {
  ifGenerationMatch?: string;
  ifGenerationNotMatch?: string;
  ifMetagenerationMatch?: string;
  ifMetagenerationNotMatch?: string;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;

export function validateBucketName(name: unknown): string {
  if (typeof name !== 'string' || !BUCKET_NAME.test(name) || name.includes('..')) {
    throw gcsErrors.badRequest(`Invalid bucket name: '${String(name)}'`);
  }
  return name;
}

export function validateObjectName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw gcsErrors.required('object name');
  if (Buffer.byteLength(name, 'utf8') > 1024)
    throw gcsErrors.badRequest('The object name is longer than 1024 bytes.');
  if (/[\r\n]/.test(name))
    throw gcsErrors.badRequest('Object names cannot contain carriage return or line feed characters.');
  return name;
}

function parseGenerationParam(value: string, param: string): number {
  if (!/^\d+$/.test(value)) throw gcsErrors.badRequest(`Invalid value for ${param}: '${value}'`);
  return Number(value);
}

/**
 * Checks write/read preconditions against the current live object (or its absence).
 * `ifGenerationMatch=0` means "only if no live object exists".
 */
export function checkPreconditions(
  current: ObjectRecord | undefined,
  pre: Preconditions,
  onRead = false,
): void {
  if (pre.ifGenerationMatch !== undefined) {
    const want = parseGenerationParam(pre.ifGenerationMatch, 'ifGenerationMatch');
    const have = current?.generation ?? 0;
    if (want !== have) throw gcsErrors.preconditionFailed('If-Match');
  }
  if (pre.ifGenerationNotMatch !== undefined) {
    const notWant = parseGenerationParam(pre.ifGenerationNotMatch, 'ifGenerationNotMatch');
    const have = current?.generation ?? 0;
    if (notWant === have)
      throw onRead ? gcsErrors.notModified() : gcsErrors.preconditionFailed('If-None-Match');
  }
  if (pre.ifMetagenerationMatch !== undefined) {
    const want = parseGenerationParam(pre.ifMetagenerationMatch, 'ifMetagenerationMatch');
    if (!current || current.metageneration !== want)
      throw gcsErrors.preconditionFailed('If-Metageneration-Match');
  }
  if (pre.ifMetagenerationNotMatch !== undefined) {
    const notWant = parseGenerationParam(pre.ifMetagenerationNotMatch, 'ifMetagenerationNotMatch');
    if (current && current.metageneration === notWant) {
      throw onRead ? gcsErrors.notModified() : gcsErrors.preconditionFailed('If-Metageneration-Not-Match');
    }
  }
}

/** Writes a file by temp name + rename, so a crash never leaves a half-written file under the real name. */
function writeFileAtomic(file: string, data: Buffer | string): void {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temp, data);
  renameSync(temp, file);
}

/** Mirrors the state to `dir`: `buckets/<bucket>/bucket.json`, `objects/<sha256(name)>.{json,bin}`. */
class DirectoryPersistence {
  constructor(private readonly dir: string) {
    mkdirSync(path.join(dir, 'buckets'), { recursive: true });
  }

  private bucketDir(bucket: string): string {
    return path.join(this.dir, 'buckets', encodeURIComponent(bucket));
  }

  private objectBase(bucket: string, name: string): string {
    return path.join(this.bucketDir(bucket), 'objects', createHash('sha256').update(name).digest('hex'));
  }

  saveBucket(b: BucketRecord): void {
    mkdirSync(path.join(this.bucketDir(b.name), 'objects'), { recursive: true });
    writeFileAtomic(path.join(this.bucketDir(b.name), 'bucket.json'), JSON.stringify(b));
  }

  deleteBucket(name: string): void {
    rmSync(this.bucketDir(name), { recursive: true, force: true });
  }

  /** Data first, then the JSON that makes it visible on load. */
  saveObject(o: ObjectRecord): void {
    const base = this.objectBase(o.bucket, o.name);
    const { data, ...meta } = o;
    writeFileAtomic(`${base}.bin`, data);
    writeFileAtomic(`${base}.json`, JSON.stringify(meta));
  }

  saveObjectMetadata(o: ObjectRecord): void {
    const { data: _data, ...meta } = o;
    writeFileAtomic(`${this.objectBase(o.bucket, o.name)}.json`, JSON.stringify(meta));
  }

  deleteObject(bucket: string, name: string): void {
    const base = this.objectBase(bucket, name);
    for (const file of [`${base}.json`, `${base}.bin`]) {
      if (existsSync(file)) unlinkSync(file);
    }
  }

  load(): { buckets: BucketRecord[]; objects: ObjectRecord[] } {
    const buckets: BucketRecord[] = [];
    const objects: ObjectRecord[] = [];
    const root = path.join(this.dir, 'buckets');
    for (const entry of readdirSync(root)) {
      const bucketFile = path.join(root, entry, 'bucket.json');
      if (!existsSync(bucketFile)) continue;
      buckets.push(JSON.parse(readFileSync(bucketFile, 'utf8')) as BucketRecord);
      const objectsDir = path.join(root, entry, 'objects');
      if (!existsSync(objectsDir)) continue;
      for (const file of readdirSync(objectsDir)) {
        if (!file.endsWith('.json')) continue;
        const meta = JSON.parse(readFileSync(path.join(objectsDir, file), 'utf8')) as Omit<
          ObjectRecord,
          'data'
        >;
        const data = readFileSync(path.join(objectsDir, file.replace(/\.json$/, '.bin')));
        objects.push({ ...meta, data });
      }
    }
    return { buckets, objects };
  }
}

export interface ListOptions {
  prefix?: string;
  delimiter?: string;
  maxResults?: number;
  pageToken?: string;
  startOffset?: string;
  endOffset?: string;
}

export interface ListPage {
  items: ObjectRecord[];
  prefixes: string[];
  nextPageToken?: string;
}

interface PageToken {
  /** The last name or prefix returned. */
  k: string;
  /** Whether it was a prefix (then every name under it is skipped too). */
  p: boolean;
}

export class SimState {
  private readonly buckets = new Map<string, BucketRecord>();
  private readonly objects = new Map<string, Map<string, ObjectRecord>>();
  private readonly persistence: DirectoryPersistence | undefined;
  private lastGeneration = 0;

  constructor(dir?: string) {
    if (dir) {
      this.persistence = new DirectoryPersistence(dir);
      const loaded = this.persistence.load();
      for (const b of loaded.buckets) {
        this.buckets.set(b.name, b);
        this.objects.set(b.name, new Map());
      }
      for (const o of loaded.objects) {
        this.objects.get(o.bucket)?.set(o.name, o);
        this.lastGeneration = Math.max(this.lastGeneration, o.generation);
      }
    }
  }

  /** Generations are microsecond timestamps, strictly increasing across the whole simulator. */
  private nextGeneration(): number {
    this.lastGeneration = Math.max(this.lastGeneration + 1, Date.now() * 1000);
    return this.lastGeneration;
  }

  createBucket(
    name: string,
    fields: { location?: string; storageClass?: string; labels?: Record<string, string> } = {},
  ): BucketRecord {
    validateBucketName(name);
    if (this.buckets.has(name)) throw gcsErrors.bucketExists(name);
    const now = new Date().toISOString();
    const bucket: BucketRecord = {
      name,
      timeCreated: now,
      updated: now,
      metageneration: 1,
      location: fields.location ?? 'US',
      storageClass: fields.storageClass ?? 'STANDARD',
      labels: fields.labels ?? {},
    };
    this.buckets.set(name, bucket);
    this.objects.set(name, new Map());
    this.persistence?.saveBucket(bucket);
    return bucket;
  }

  getBucket(name: string): BucketRecord {
    const bucket = this.buckets.get(name);
    if (!bucket) throw gcsErrors.bucketNotFound(name);
    return bucket;
  }

  listBuckets(prefix = ''): BucketRecord[] {
    return [...this.buckets.values()]
      .filter((b) => b.name.startsWith(prefix))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  deleteBucket(name: string): void {
    this.getBucket(name);
    if ((this.objects.get(name)?.size ?? 0) > 0) throw gcsErrors.bucketNotEmpty(name);
    this.buckets.delete(name);
    this.objects.delete(name);
    this.persistence?.deleteBucket(name);
  }

  private objectsOf(bucket: string): Map<string, ObjectRecord> {
    const objects = this.objects.get(bucket);
    if (!objects) throw gcsErrors.bucketNotFound(bucket);
    return objects;
  }

  /** The live object, or undefined. Throws 404 only for a missing bucket. */
  peekObject(bucket: string, name: string): ObjectRecord | undefined {
    return this.objectsOf(bucket).get(name);
  }

  getObject(bucket: string, name: string, generation?: string): ObjectRecord {
    const o = this.peekObject(bucket, name);
    if (!o || (generation !== undefined && String(o.generation) !== generation))
      throw gcsErrors.objectNotFound(bucket, name);
    return o;
  }

  /** Creates a new generation of `name` after checking preconditions against the live one. */
  putObject(
    bucket: string,
    name: string,
    data: Buffer,
    fields: ObjectMetadataFields,
    pre: Preconditions,
    hashes: ObjectHashes = hashesOf(data),
  ): ObjectRecord {
    validateObjectName(name);
    const objects = this.objectsOf(bucket);
    checkPreconditions(objects.get(name), pre);
    const now = new Date().toISOString();
    const record: ObjectRecord = {
      bucket,
      name,
      generation: this.nextGeneration(),
      metageneration: 1,
      size: data.length,
      md5Hash: hashes.md5Hash,
      crc32c: hashes.crc32c,
      contentType: fields.contentType ?? 'application/octet-stream',
      ...(fields.contentEncoding !== undefined && { contentEncoding: fields.contentEncoding }),
      ...(fields.contentDisposition !== undefined && { contentDisposition: fields.contentDisposition }),
      ...(fields.contentLanguage !== undefined && { contentLanguage: fields.contentLanguage }),
      ...(fields.cacheControl !== undefined && { cacheControl: fields.cacheControl }),
      ...(fields.metadata !== undefined && { metadata: { ...fields.metadata } }),
      timeCreated: now,
      updated: now,
      data,
    };
    objects.set(name, record);
    this.persistence?.saveObject(record);
    return record;
  }

  /** Metadata patch: `metadata` keys set to null are removed; metageneration goes up by one. */
  patchObject(
    bucket: string,
    name: string,
    patch: Record<string, unknown>,
    pre: Preconditions,
    generation?: string,
  ): ObjectRecord {
    const current = this.getObject(bucket, name, generation);
    checkPreconditions(current, pre);
    const next: ObjectRecord = {
      ...current,
      metageneration: current.metageneration + 1,
      updated: new Date().toISOString(),
    };
    for (const field of OBJECT_TEXT_FIELDS) {
      if (!(field in patch)) continue;
      const value = patch[field];
      if (value === null) delete next[field];
      else if (typeof value === 'string') next[field] = value;
      else throw gcsErrors.badRequest(`Invalid value for ${field}`);
    }
    if ('metadata' in patch) {
      const value = patch.metadata;
      if (value === null) delete next.metadata;
      else if (typeof value === 'object' && !Array.isArray(value)) {
        const merged: Record<string, string> = { ...(current.metadata ?? {}) };
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          if (v === null) delete merged[k];
          else merged[k] = String(v);
        }
        next.metadata = merged;
      } else throw gcsErrors.badRequest('Invalid value for metadata');
    }
    this.objectsOf(bucket).set(name, next);
    this.persistence?.saveObjectMetadata(next);
    return next;
  }

  deleteObject(bucket: string, name: string, pre: Preconditions, generation?: string): void {
    const current = this.getObject(bucket, name, generation);
    checkPreconditions(current, pre);
    this.objectsOf(bucket).delete(name);
    this.persistence?.deleteObject(bucket, name);
  }

  /**
   * One page of a listing in name order. With a delimiter, names that share a prefix up to the
   * next delimiter collapse into one `prefixes` entry; both kinds count toward maxResults.
   */
  listObjects(bucket: string, opts: ListOptions): ListPage {
    const prefix = opts.prefix ?? '';
    const max = Math.max(1, Math.min(opts.maxResults ?? 1000, 1000));
    let after: PageToken | undefined;
    if (opts.pageToken) {
      try {
        after = JSON.parse(Buffer.from(opts.pageToken, 'base64url').toString('utf8')) as PageToken;
      } catch {
        throw gcsErrors.badRequest(`Invalid pageToken: '${opts.pageToken}'`);
      }
      if (typeof after?.k !== 'string') throw gcsErrors.badRequest(`Invalid pageToken: '${opts.pageToken}'`);
    }
    const names = [...this.objectsOf(bucket).keys()]
      .filter((n) => n.startsWith(prefix))
      .filter(
        (n) =>
          (opts.startOffset === undefined || n >= opts.startOffset) &&
          (opts.endOffset === undefined || n < opts.endOffset),
      )
      .sort();
    const page: ListPage = { items: [], prefixes: [] };
    const objects = this.objectsOf(bucket);
    let lastPrefix: string | undefined;
    let last: PageToken | undefined;
    for (const name of names) {
      if (after && (name <= after.k || (after.p && name.startsWith(after.k)))) continue;
      let entry: PageToken = { k: name, p: false };
      if (opts.delimiter) {
        const at = name.indexOf(opts.delimiter, prefix.length);
        if (at >= 0) {
          const p = name.slice(0, at + opts.delimiter.length);
          if (p === lastPrefix) continue;
          entry = { k: p, p: true };
        }
      }
      if (page.items.length + page.prefixes.length >= max) {
        page.nextPageToken = Buffer.from(JSON.stringify(last)).toString('base64url');
        break;
      }
      if (entry.p) {
        page.prefixes.push(entry.k);
        lastPrefix = entry.k;
      } else {
        page.items.push(objects.get(name) as ObjectRecord);
      }
      last = entry;
    }
    return page;
  }
}
