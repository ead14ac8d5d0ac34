/**
 * Backed-up file bodies: the list of files, a signed link to one file version (the package hands it to the
 * user's browser, since an Apex callout carries at most 6 MB), and the body itself — streamed from the bucket,
 * with single byte ranges so an interrupted download resumes where it stopped.
 */
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { AppError } from '../../app/app-error.js';
import { fileLink, listFiles, openFileBody, resolveFileVersion } from '../../app/files.js';
import type { ByteRange } from '../../store/blob/blob-store.js';
import * as s from '../api-schemas.js';
import { route, type RouteSpec } from '../route-spec.js';

const isoTime = z.iso.datetime({ offset: true });

export const fileParams = s.recordParams;
export const filesQuery = z
  .object({
    object: z.string().regex(s.API_NAME, 'not an object API name').optional(),
    failed: z.enum(['true', 'false']).optional(),
    cursor: s.cursorParam,
    limit: s.limitParam,
  })
  .strict();
export const fileVersionQuery = z.object({ systemModstamp: isoTime.optional() }).strict();
export const fileContentQuery = fileVersionQuery.extend(s.signedLinkQuery.partial().shape).strict();

const count = z.number().int().min(0);
export const fileItem = z
  .object({
    object: z.string(),
    recordId: z.string(),
    systemModstamp: z.iso.datetime(),
    state: z.enum(['stored', 'failed']),
    sha256: z.string().nullable(),
    size: count.nullable(),
    error: z.string().nullable(),
    errorCode: z.string().nullable(),
    attempts: count,
    nextAttemptAt: z.iso.datetime().nullable(),
  })
  .strict();
export const filePage = z.object({ items: z.array(fileItem), next: z.string().nullable() }).strict();
export const fileLinkAnswer = z
  .object({
    url: z.url(),
    expiresAt: z.iso.datetime(),
    bytes: count,
    fileName: z.string(),
    contentType: z.string(),
  })
  .strict();

/**
 * The one range of a `Range` header for a body of `size` bytes: undefined for the whole body (no header, a
 * malformed one or several ranges, which RFC 9110 lets a server ignore), or 416 when it cannot be satisfied.
 */
function requestedRange(
  header: string | undefined,
  parse: () => unknown,
  size: number,
): ByteRange | undefined {
  if (header === undefined) return undefined;
  const ranges = parse() as -1 | -2 | Array<{ start: number; end: number }> | undefined;
  if (ranges === -1 || (Array.isArray(ranges) && ranges.length === 1 && size === 0))
    throw new AppError(
      'RANGE_NOT_SATISFIABLE',
      `the range "${header}" lies outside the file's ${size} bytes`,
      {
        'Content-Range': `bytes */${size}`,
      },
    );
  if (!Array.isArray(ranges) || ranges.length !== 1) return undefined;
  return { start: ranges[0]!.start, end: ranges[0]!.end };
}

export const fileRoutes: RouteSpec[] = [
  route({
    method: 'get',
    path: '/api/v1/orgs/{orgId}/files',
    summary:
      'Backed-up and failed file bodies, by object, record and version; `failed=true` lists failures only',
    auth: 'key',
    params: s.orgParams,
    query: filesQuery,
    answer: filePage,
    errors: ['INVALID_CURSOR', 'UNKNOWN_OBJECT'],
    handle: async ({ params, query }, deps) => ({
      body: await listFiles(deps.app, params.orgId, { ...query, failed: query.failed === 'true' }),
    }),
  }),
  route({
    method: 'post',
    path: '/api/v1/orgs/{orgId}/files/{object}/{id}/link',
    summary:
      "A signed link (5 minutes) to a file version's body (default: the newest backed up), with its size, name and type",
    auth: 'key',
    params: fileParams,
    query: fileVersionQuery,
    body: s.emptyBody,
    answer: fileLinkAnswer,
    errors: ['NOT_CONFIGURED', 'UNKNOWN_OBJECT'],
    handle: async ({ params, query }, deps) => ({
      body: await fileLink(
        deps.app,
        params.orgId,
        params.object,
        params.id,
        query.systemModstamp,
        deps.signer,
      ),
    }),
  }),
  route({
    method: 'get',
    path: '/api/v1/orgs/{orgId}/files/{object}/{id}/content',
    summary:
      "A file version's body (default: the newest backed up), with Range support (206; 416 outside the file); with a service key or a signed link",
    auth: 'key-or-link',
    params: fileParams,
    query: fileContentQuery,
    answer: {
      mediaType: 'application/octet-stream',
      description:
        "the body, as an attachment named after the file (always application/octet-stream; the file's own type is in the link answer); ETag is the body's SHA-256; a single Range gets 206 with Content-Range",
    },
    errors: ['UNKNOWN_OBJECT', 'RANGE_NOT_SATISFIABLE'],
    handle: async ({ params, query, req, res }, deps) => {
      const file = await resolveFileVersion(
        deps.app,
        params.orgId,
        params.object,
        params.id,
        query.systemModstamp,
      );
      const range = requestedRange(
        req.get('range'),
        () => req.range(file.size, { combine: false }),
        file.size,
      );
      const body = await openFileBody(deps.app, file, range);
      res.attachment(file.fileName);
      res.set({
        // Always a download, never rendered from the service's origin (a backed-up HTML file stays inert); the
        // file's own type is in the link answer.
        'Content-Type': 'application/octet-stream',
        'Accept-Ranges': 'bytes',
        ETag: `"${file.sha256}"`,
        'Cache-Control': 'private, no-store',
        'Content-Length': String(range ? range.end - range.start + 1 : file.size),
        ...(range && { 'Content-Range': `bytes ${range.start}-${range.end}/${file.size}` }),
      });
      res.status(range ? 206 : 200);
      try {
        await pipeline(body, res);
      } catch (err) {
        // Headers are sent: the download is cut, which the client sees as incomplete and resumes with a Range.
        deps.app.logger.warn(
          { type: 'http', err, object: file.object, recordId: file.recordId },
          'file download cut',
        );
      }
      return undefined;
    },
  }),
];
