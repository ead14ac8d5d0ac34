/**
 * HTTP front of the GCS simulator: the JSON API paths the real `@google-cloud/storage` client uses
 * (with and without the `/storage/v1` prefix, since the client drops it under STORAGE_EMULATOR_HOST),
 * upload paths under `/upload/storage/v1`, and the admin API under `/__gcs-sim/`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GcsError, gcsErrors } from './errors.js';
import { FaultInjector, parseFaultRules } from './faults.js';
import { formatGoogHash, hashesOf, parseGoogHash, type ObjectHashes } from './hashes.js';
import { parseMultipartRelated } from './multipart.js';
import { resolveRange } from './ranges.js';
import {
  checkPreconditions,
  validateObjectName,
  type BucketRecord,
  OBJECT_TEXT_FIELDS,
  type ObjectMetadataFields,
  type ObjectRecord,
  type Preconditions,
  type SimState,
} from './state.js';

interface UploadSession {
  id: string;
  bucket: string;
  name: string;
  fields: ObjectMetadataFields;
  pre: Preconditions;
  expected: { md5?: string; crc32c?: string };
  chunks: Buffer[];
  received: number;
  result?: ObjectRecord;
}

export interface SimStats {
  requests: number;
  faultsInjected: number;
  uploads: { media: number; multipart: number; resumable: number };
}

const ADMIN_PREFIX = '/__gcs-sim/';

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('request aborted')));
  });
}

function parseJson(body: Buffer, what: string): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw gcsErrors.badRequest(`${what} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw gcsErrors.badRequest(`${what} must be a JSON object`);
  return parsed as Record<string, unknown>;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, err: GcsError): void {
  if (err.status === 304) {
    res.writeHead(304).end();
    return;
  }
  sendJson(res, err.status, err.toBody());
}

function preconditionsFrom(q: URLSearchParams): Preconditions {
  const pre: Preconditions = {};
  for (const key of [
    'ifGenerationMatch',
    'ifGenerationNotMatch',
    'ifMetagenerationMatch',
    'ifMetagenerationNotMatch',
  ] as const) {
    const value = q.get(key);
    if (value !== null) pre[key] = value;
  }
  return pre;
}

function sourcePreconditionsFrom(q: URLSearchParams): Preconditions {
  const pre: Preconditions = {};
  const map = {
    ifSourceGenerationMatch: 'ifGenerationMatch',
    ifSourceGenerationNotMatch: 'ifGenerationNotMatch',
    ifSourceMetagenerationMatch: 'ifMetagenerationMatch',
    ifSourceMetagenerationNotMatch: 'ifMetagenerationNotMatch',
  } as const;
  for (const [param, key] of Object.entries(map)) {
    const value = q.get(param);
    if (value !== null) pre[key] = value;
  }
  return pre;
}

function metadataFieldsFrom(meta: Record<string, unknown>): ObjectMetadataFields {
  const fields: ObjectMetadataFields = {};
  for (const key of OBJECT_TEXT_FIELDS) {
    const value = meta[key];
    if (typeof value === 'string') fields[key] = value;
  }
  if (meta.metadata && typeof meta.metadata === 'object' && !Array.isArray(meta.metadata)) {
    fields.metadata = Object.fromEntries(
      Object.entries(meta.metadata as Record<string, unknown>)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => [k, String(v)]),
    );
  }
  return fields;
}

/** Client-declared checksums (metadata `md5Hash`/`crc32c`, `X-Goog-Hash`) must match the bytes received. */
function verifyDeclaredHashes(
  computed: ObjectHashes,
  ...declared: Array<{ md5?: string; crc32c?: string }>
): void {
  for (const d of declared) {
    if (d.md5 !== undefined && d.md5 !== computed.md5Hash) {
      throw gcsErrors.badRequest(
        `Provided MD5 hash "${d.md5}" doesn't match calculated MD5 hash "${computed.md5Hash}".`,
      );
    }
    if (d.crc32c !== undefined && d.crc32c !== computed.crc32c) {
      throw gcsErrors.badRequest(
        `Provided CRC32C "${d.crc32c}" doesn't match calculated CRC32C "${computed.crc32c}".`,
      );
    }
  }
}

function declaredInMetadata(meta: Record<string, unknown>): { md5?: string; crc32c?: string } {
  return {
    ...(typeof meta.md5Hash === 'string' && { md5: meta.md5Hash }),
    ...(typeof meta.crc32c === 'string' && { crc32c: meta.crc32c }),
  };
}

function baseUrlOf(req: IncomingMessage): string {
  return `http://${req.headers.host ?? '127.0.0.1'}`;
}

function bucketResource(b: BucketRecord, base: string): Record<string, unknown> {
  return {
    kind: 'storage#bucket',
    id: b.name,
    selfLink: `${base}/storage/v1/b/${encodeURIComponent(b.name)}`,
    projectNumber: '0',
    name: b.name,
    timeCreated: b.timeCreated,
    updated: b.updated,
    metageneration: String(b.metageneration),
    location: b.location,
    locationType: 'multi-region',
    storageClass: b.storageClass,
    etag: 'CAE=',
    ...(Object.keys(b.labels).length > 0 && { labels: b.labels }),
  };
}

function objectResource(o: ObjectRecord, base: string): Record<string, unknown> {
  const path = `b/${encodeURIComponent(o.bucket)}/o/${encodeURIComponent(o.name)}`;
  return {
    kind: 'storage#object',
    id: `${o.bucket}/${o.name}/${o.generation}`,
    selfLink: `${base}/storage/v1/${path}`,
    mediaLink: `${base}/download/storage/v1/${path}?generation=${o.generation}&alt=media`,
    name: o.name,
    bucket: o.bucket,
    generation: String(o.generation),
    metageneration: String(o.metageneration),
    contentType: o.contentType,
    storageClass: 'STANDARD',
    size: String(o.size),
    md5Hash: o.md5Hash,
    crc32c: o.crc32c,
    etag: Buffer.from(`${o.generation}/${o.metageneration}`).toString('base64'),
    timeCreated: o.timeCreated,
    updated: o.updated,
    timeStorageClassUpdated: o.timeCreated,
    ...(o.contentEncoding !== undefined && { contentEncoding: o.contentEncoding }),
    ...(o.contentDisposition !== undefined && { contentDisposition: o.contentDisposition }),
    ...(o.contentLanguage !== undefined && { contentLanguage: o.contentLanguage }),
    ...(o.cacheControl !== undefined && { cacheControl: o.cacheControl }),
    ...(o.metadata !== undefined && { metadata: o.metadata }),
  };
}

/** Splits a request path into API kind and decoded segments after `/b`. */
function routeOf(pathname: string): { kind: 'json' | 'upload' | 'download'; segs: string[] } {
  let kind: 'json' | 'upload' | 'download' = 'json';
  let rest = pathname;
  if (rest.startsWith('/upload/storage/v1/')) {
    kind = 'upload';
    rest = rest.slice('/upload/storage/v1'.length);
  } else if (rest.startsWith('/download/storage/v1/')) {
    kind = 'download';
    rest = rest.slice('/download/storage/v1'.length);
  } else if (rest.startsWith('/storage/v1/')) {
    rest = rest.slice('/storage/v1'.length);
  }
  let segs: string[];
  try {
    segs = rest
      .split('/')
      .slice(1)
      .map((s) => decodeURIComponent(s));
  } catch {
    throw gcsErrors.badRequest(`Malformed path: ${pathname}`);
  }
  return { kind, segs };
}

export class GcsSimHandler {
  readonly faults = new FaultInjector();
  readonly stats: SimStats = {
    requests: 0,
    faultsInjected: 0,
    uploads: { media: 0, multipart: 0, resumable: 0 },
  };
  private readonly sessions = new Map<string, UploadSession>();

  constructor(private readonly state: SimState) {}

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.dispatch(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof GcsError) sendError(res, err);
      else
        sendError(
          res,
          new GcsError(500, 'backendError', `gcs-sim internal error: ${(err as Error).message}`),
        );
    });
  };

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gcs-sim');
    const method = (req.method ?? 'GET').toUpperCase();
    if (url.pathname.startsWith(ADMIN_PREFIX)) return this.admin(req, res, method, url);

    this.stats.requests++;
    const fault = this.faults.decide(method, url.pathname + url.search);
    this.stats.faultsInjected = this.faults.injected;
    if (fault?.action === 'reset') {
      req.socket.destroy();
      return;
    }
    const corrupt = fault?.action === 'corrupt';
    if (fault && fault.action === 'status') {
      await readBody(req).catch(() => Buffer.alloc(0));
      const why = this.faults.outage
        ? 'gcs-sim outage: the service is unavailable'
        : `gcs-sim injected error ${fault.status}`;
      const reason =
        fault.status === 429 ? 'rateLimitExceeded' : fault.status >= 500 ? 'backendError' : 'injected';
      sendError(res, new GcsError(fault.status, reason, why));
      return;
    }

    const { kind, segs } = routeOf(url.pathname);
    const q = url.searchParams;
    const base = baseUrlOf(req);
    if (segs[0] !== 'b') throw new GcsError(404, 'notFound', `Not Found: ${url.pathname}`);

    if (kind === 'upload') return this.upload(req, res, method, segs, q, base);

    // /b
    if (segs.length === 1) {
      if (method === 'GET') {
        const items = this.state.listBuckets(q.get('prefix') ?? '').map((b) => bucketResource(b, base));
        return sendJson(res, 200, { kind: 'storage#buckets', ...(items.length > 0 && { items }) });
      }
      if (method === 'POST') {
        const body = parseJson(await readBody(req), 'bucket resource');
        const bucket = this.state.createBucket(String(body.name ?? ''), {
          ...(typeof body.location === 'string' && { location: body.location.toUpperCase() }),
          ...(typeof body.storageClass === 'string' && { storageClass: body.storageClass }),
        });
        return sendJson(res, 200, bucketResource(bucket, base));
      }
    }
    const bucketName = segs[1] ?? '';
    // /b/{bucket}
    if (segs.length === 2) {
      if (method === 'GET') return sendJson(res, 200, bucketResource(this.state.getBucket(bucketName), base));
      if (method === 'DELETE') {
        this.state.deleteBucket(bucketName);
        res.writeHead(204).end();
        return;
      }
    }
    if (segs[2] !== 'o') throw new GcsError(404, 'notFound', `Not Found: ${url.pathname}`);
    // /b/{bucket}/o
    if (segs.length === 3) {
      if (method === 'GET') return this.listObjects(res, bucketName, q, base);
      if (method === 'POST')
        throw gcsErrors.badRequest('Object inserts go to /upload/storage/v1/b/{bucket}/o with uploadType');
    }
    // /b/{bucket}/o/{object}/(rewriteTo|copyTo)/b/{bucket}/o/{object}
    const verbAt = segs.findIndex((s, i) => i >= 4 && (s === 'rewriteTo' || s === 'copyTo'));
    if (verbAt > 0 && method === 'POST') {
      return this.copy(
        req,
        res,
        segs[verbAt] as string,
        bucketName,
        segs.slice(3, verbAt).join('/'),
        segs.slice(verbAt + 1),
        q,
        base,
      );
    }
    const objectName = segs.slice(3).join('/');
    const generation = q.get('generation') ?? undefined;
    if (method === 'GET') {
      const o = this.state.getObject(bucketName, objectName, generation);
      checkReadPreconditions(o, q);
      if (q.get('alt') === 'media' || kind === 'download') return this.sendMedia(req, res, o, corrupt);
      return sendJson(res, 200, objectResource(o, base));
    }
    if (method === 'PATCH' || method === 'PUT') {
      const body = parseJson(await readBody(req), 'object metadata');
      const o = this.state.patchObject(bucketName, objectName, body, preconditionsFrom(q), generation);
      return sendJson(res, 200, objectResource(o, base));
    }
    if (method === 'DELETE') {
      this.state.deleteObject(bucketName, objectName, preconditionsFrom(q), generation);
      res.writeHead(204).end();
      return;
    }
    throw new GcsError(405, 'methodNotAllowed', `${method} is not supported on ${url.pathname}`);
  }

  private listObjects(res: ServerResponse, bucket: string, q: URLSearchParams, base: string): void {
    const maxResults = q.get('maxResults');
    if (maxResults !== null && !/^\d+$/.test(maxResults))
      throw gcsErrors.badRequest(`Invalid value for maxResults: '${maxResults}'`);
    const opt = (name: string): string | undefined => q.get(name) ?? undefined;
    const page = this.state.listObjects(bucket, {
      ...(opt('prefix') !== undefined && { prefix: opt('prefix') }),
      ...(opt('delimiter') !== undefined && { delimiter: opt('delimiter') }),
      ...(maxResults !== null && { maxResults: Number(maxResults) }),
      ...(opt('pageToken') !== undefined && { pageToken: opt('pageToken') }),
      ...(opt('startOffset') !== undefined && { startOffset: opt('startOffset') }),
      ...(opt('endOffset') !== undefined && { endOffset: opt('endOffset') }),
    });
    sendJson(res, 200, {
      kind: 'storage#objects',
      ...(page.nextPageToken !== undefined && { nextPageToken: page.nextPageToken }),
      ...(page.prefixes.length > 0 && { prefixes: page.prefixes }),
      ...(page.items.length > 0 && { items: page.items.map((o) => objectResource(o, base)) }),
    });
  }

  /** `corrupt` (fault injection) flips the first byte sent, leaving headers and hashes as stored. */
  private sendMedia(req: IncomingMessage, res: ServerResponse, o: ObjectRecord, corrupt = false): void {
    const headers: Record<string, string | number> = {
      'Content-Type': o.contentType ?? 'application/octet-stream',
      'Accept-Ranges': 'bytes',
      ETag: `"${o.md5Hash}"`,
      'Last-Modified': new Date(o.updated).toUTCString(),
      'x-goog-hash': formatGoogHash(o),
      'x-goog-generation': String(o.generation),
      'x-goog-metageneration': String(o.metageneration),
      'x-goog-stored-content-encoding': o.contentEncoding ?? 'identity',
      'x-goog-stored-content-length': String(o.size),
      'x-goog-storage-class': 'STANDARD',
    };
    const range = resolveRange(req.headers.range, o.size);
    const flip = (bytes: Buffer): Buffer => {
      if (!corrupt || bytes.length === 0) return bytes;
      const copy = Buffer.from(bytes);
      copy[0] = (copy[0] ?? 0) ^ 0xff;
      return copy;
    };
    if (range) {
      const body = flip(o.data.subarray(range.start, range.end + 1));
      res.writeHead(206, {
        ...headers,
        'Content-Range': `bytes ${range.start}-${range.end}/${o.size}`,
        'Content-Length': body.length,
      });
      res.end(body);
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Length': o.size });
    res.end(flip(o.data));
  }

  private async upload(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    segs: string[],
    q: URLSearchParams,
    base: string,
  ): Promise<void> {
    if (segs.length !== 3 || segs[2] !== 'o')
      throw new GcsError(404, 'notFound', `Not Found: /upload/storage/v1/${segs.join('/')}`);
    const bucket = segs[1] ?? '';
    this.state.getBucket(bucket);
    const uploadId = q.get('upload_id');
    if (uploadId !== null) {
      const session = this.sessions.get(uploadId);
      if (!session) throw new GcsError(404, 'notFound', `No such upload session: ${uploadId}`);
      if (method === 'DELETE') {
        this.sessions.delete(uploadId);
        await readBody(req);
        sendJson(res, 499, new GcsError(499, 'clientClosedRequest', 'Upload cancelled').toBody());
        return;
      }
      if (method !== 'PUT' && method !== 'POST')
        throw new GcsError(405, 'methodNotAllowed', `${method} on an upload session`);
      return this.continueResumable(req, res, session, base);
    }
    if (method !== 'POST') throw new GcsError(405, 'methodNotAllowed', `${method} on the upload endpoint`);
    const uploadType = q.get('uploadType');
    const pre = preconditionsFrom(q);
    const googHash = parseGoogHash(req.headers['x-goog-hash'] as string | undefined);
    if (uploadType === 'media') {
      const name = validateObjectName(q.get('name') ?? '');
      const data = await readBody(req);
      const hashes = hashesOf(data);
      verifyDeclaredHashes(hashes, googHash);
      const contentType = req.headers['content-type'];
      const o = this.state.putObject(bucket, name, data, contentType ? { contentType } : {}, pre, hashes);
      this.stats.uploads.media++;
      return sendJson(res, 200, objectResource(o, base));
    }
    if (uploadType === 'multipart') {
      const parts = parseMultipartRelated(await readBody(req), req.headers['content-type']);
      const [metaPart, mediaPart] = parts;
      if (!metaPart || !mediaPart)
        throw gcsErrors.badRequest('multipart upload needs a metadata part and a media part');
      const meta = parseJson(metaPart.body, 'multipart metadata part');
      const name = validateObjectName(q.get('name') ?? meta.name);
      const hashes = hashesOf(mediaPart.body);
      verifyDeclaredHashes(hashes, declaredInMetadata(meta), googHash);
      const fields = metadataFieldsFrom(meta);
      if (!fields.contentType && mediaPart.headers['content-type'])
        fields.contentType = mediaPart.headers['content-type'];
      const o = this.state.putObject(bucket, name, mediaPart.body, fields, pre, hashes);
      this.stats.uploads.multipart++;
      return sendJson(res, 200, objectResource(o, base));
    }
    if (uploadType === 'resumable') {
      const meta = parseJson(await readBody(req), 'resumable upload metadata');
      const name = validateObjectName(q.get('name') ?? meta.name);
      // Preconditions are checked when the session starts and again when the object is finalised.
      checkPreconditions(this.state.peekObject(bucket, name), pre);
      const fields = metadataFieldsFrom(meta);
      const declaredType = req.headers['x-upload-content-type'];
      if (!fields.contentType && typeof declaredType === 'string') fields.contentType = declaredType;
      const id = randomBytes(16).toString('hex');
      this.sessions.set(id, {
        id,
        bucket,
        name,
        fields,
        pre,
        expected: declaredInMetadata(meta),
        chunks: [],
        received: 0,
      });
      const location = `${base}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
      res.writeHead(200, { Location: location, 'X-GUploader-UploadID': id, 'Content-Length': 0 });
      res.end();
      return;
    }
    throw gcsErrors.badRequest(
      `Unsupported uploadType: '${uploadType ?? ''}' (media, multipart or resumable)`,
    );
  }

  /**
   * One request of a resumable session. `Content-Range: bytes a-b/N` appends a chunk,
   * `bytes a-*\/N` (or `/*`) sends the rest, `bytes *\/N|*` asks for the status. Answers 308
   * with `Range: bytes=0-last` while incomplete, 200 with the object once finalised.
   */
  private async continueResumable(
    req: IncomingMessage,
    res: ServerResponse,
    s: UploadSession,
    base: string,
  ): Promise<void> {
    const body = await readBody(req);
    if (s.result) return sendJson(res, 200, objectResource(s.result, base));
    const contentRange = req.headers['content-range'];
    let finalTotal: number | undefined;
    if (contentRange === undefined) {
      this.appendChunk(s, s.received, body);
      finalTotal = s.received;
    } else {
      const status = /^bytes \*\/(\*|\d+)$/.exec(contentRange);
      const chunk = /^bytes (\d+)-(\d+|\*)\/(\*|\d+)$/.exec(contentRange);
      if (status) {
        if (status[1] !== '*' && Number(status[1]) === s.received) finalTotal = s.received;
      } else if (chunk) {
        const first = Number(chunk[1]);
        const last = chunk[2] as string;
        const total = chunk[3] as string;
        if (last !== '*' && Number(last) - first + 1 !== body.length) {
          throw gcsErrors.badRequest(
            `Content-Range ${contentRange} does not match the ${body.length} bytes sent`,
          );
        }
        this.appendChunk(s, first, body);
        if (total !== '*') {
          if (s.received > Number(total))
            throw gcsErrors.badRequest(`Upload exceeds the declared size ${total}`);
          if (s.received === Number(total)) finalTotal = s.received;
        } else if (last === '*') {
          finalTotal = s.received;
        }
      } else {
        throw gcsErrors.badRequest(`Invalid Content-Range: '${contentRange}'`);
      }
    }
    if (finalTotal === undefined) {
      const headers: Record<string, string | number> = { 'Content-Length': 0 };
      if (s.received > 0) headers.Range = `bytes=0-${s.received - 1}`;
      res.writeHead(308, headers);
      res.end();
      return;
    }
    const data = Buffer.concat(s.chunks);
    const hashes = hashesOf(data);
    try {
      verifyDeclaredHashes(
        hashes,
        s.expected,
        parseGoogHash(req.headers['x-goog-hash'] as string | undefined),
      );
      s.result = this.state.putObject(s.bucket, s.name, data, s.fields, s.pre, hashes);
    } catch (err) {
      this.sessions.delete(s.id);
      throw err;
    }
    s.chunks = [];
    this.stats.uploads.resumable++;
    sendJson(res, 200, objectResource(s.result, base));
  }

  private appendChunk(s: UploadSession, first: number, body: Buffer): void {
    if (first > s.received) {
      throw new GcsError(
        400,
        'invalid',
        `Invalid request. Chunk starts at byte ${first} but only ${s.received} bytes were received.`,
      );
    }
    const fresh = body.subarray(s.received - first);
    if (fresh.length > 0) {
      s.chunks.push(fresh);
      s.received += fresh.length;
    }
  }

  private async copy(
    req: IncomingMessage,
    res: ServerResponse,
    verb: string,
    srcBucket: string,
    srcName: string,
    dest: string[],
    q: URLSearchParams,
    base: string,
  ): Promise<void> {
    if (dest[0] !== 'b' || dest[2] !== 'o' || dest.length < 4)
      throw gcsErrors.badRequest(`Malformed ${verb} destination`);
    const destBucket = dest[1] as string;
    const destName = validateObjectName(dest.slice(3).join('/'));
    const overrides = parseJson(await readBody(req), `${verb} body`);
    const src = this.state.getObject(srcBucket, srcName, q.get('sourceGeneration') ?? undefined);
    checkPreconditions(src, sourcePreconditionsFrom(q));
    const fields: ObjectMetadataFields = {
      ...(src.contentType !== undefined && { contentType: src.contentType }),
      ...(src.contentEncoding !== undefined && { contentEncoding: src.contentEncoding }),
      ...(src.contentDisposition !== undefined && { contentDisposition: src.contentDisposition }),
      ...(src.contentLanguage !== undefined && { contentLanguage: src.contentLanguage }),
      ...(src.cacheControl !== undefined && { cacheControl: src.cacheControl }),
      ...(src.metadata !== undefined && { metadata: src.metadata }),
      ...metadataFieldsFrom(overrides),
    };
    const o = this.state.putObject(destBucket, destName, src.data, fields, preconditionsFrom(q), {
      md5Hash: src.md5Hash,
      crc32c: src.crc32c,
    });
    if (verb === 'copyTo') return sendJson(res, 200, objectResource(o, base));
    sendJson(res, 200, {
      kind: 'storage#rewriteResponse',
      totalBytesRewritten: String(o.size),
      objectSize: String(o.size),
      done: true,
      resource: objectResource(o, base),
    });
  }

  private async admin(req: IncomingMessage, res: ServerResponse, method: string, url: URL): Promise<void> {
    const what = url.pathname.slice(ADMIN_PREFIX.length);
    const body = method === 'GET' || method === 'DELETE' ? Buffer.alloc(0) : await readBody(req);
    const json = (): Record<string, unknown> => {
      try {
        return parseJson(body, 'admin request body');
      } catch (e) {
        throw new GcsError(400, 'invalid', (e as Error).message);
      }
    };
    try {
      if (what === 'health' && method === 'GET') return sendJson(res, 200, { ok: true });
      if (what === 'stats' && method === 'GET') return sendJson(res, 200, this.stats);
      if (what === 'outage') {
        if (method === 'POST' || method === 'PUT') {
          const enabled = json().enabled;
          if (typeof enabled !== 'boolean')
            throw gcsErrors.badRequest('outage body must be {"enabled": true|false}');
          this.faults.outage = enabled;
        } else if (method !== 'GET') throw new GcsError(405, 'methodNotAllowed', `${method} ${url.pathname}`);
        return sendJson(res, 200, { enabled: this.faults.outage });
      }
      if (what === 'errors') {
        if (method === 'POST') this.faults.add(parseFaultRules(json().rules));
        else if (method === 'DELETE') this.faults.clear();
        else if (method !== 'GET') throw new GcsError(405, 'methodNotAllowed', `${method} ${url.pathname}`);
        return sendJson(res, 200, { rules: this.faults.describe() });
      }
    } catch (e) {
      if (e instanceof GcsError) throw e;
      throw gcsErrors.badRequest((e as Error).message);
    }
    throw new GcsError(404, 'notFound', `Unknown admin endpoint: ${method} ${url.pathname}`);
  }
}

function checkReadPreconditions(o: ObjectRecord, q: URLSearchParams): void {
  const pre = preconditionsFrom(q);
  if (Object.keys(pre).length === 0) return;
  // Reads check against the object found; ifGenerationMatch=0 can never hold for an existing object.
  if (pre.ifGenerationMatch !== undefined && pre.ifGenerationMatch !== String(o.generation))
    throw gcsErrors.preconditionFailed('If-Match');
  if (pre.ifMetagenerationMatch !== undefined && pre.ifMetagenerationMatch !== String(o.metageneration)) {
    throw gcsErrors.preconditionFailed('If-Metageneration-Match');
  }
  if (pre.ifGenerationNotMatch !== undefined && pre.ifGenerationNotMatch === String(o.generation))
    throw gcsErrors.notModified();
  if (pre.ifMetagenerationNotMatch !== undefined && pre.ifMetagenerationNotMatch === String(o.metageneration))
    throw gcsErrors.notModified();
}
