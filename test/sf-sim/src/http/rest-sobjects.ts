import { createHash } from 'node:crypto';
import type { DataRequest, DataRoute, WireResponse } from './context.js';
import { json } from './context.js';
import { isSalesforceId, parseJsonObject } from './body.js';
import { WireError } from './errors.js';

/**
 * The sObject resources (facts §2.3–2.6, §2.9, §2.10): describe global and describe with
 * `If-Modified-Since` → 304, basic info, getUpdated/getDeleted, record read/create/update/delete
 * and blob downloads streamed from the org.
 */

/** True when the client's `If-Modified-Since` is at or after the metadata's last change (second precision). */
function notModifiedSince(req: DataRequest, lastModified: Date): boolean {
  const header = req.headers['if-modified-since'];
  if (typeof header !== 'string') return false;
  const since = Date.parse(header);
  if (Number.isNaN(since)) return false;
  return Math.floor(lastModified.getTime() / 1000) <= Math.floor(since / 1000);
}

function describeResponse(
  req: DataRequest,
  d: { body: Record<string, unknown>; lastModified: Date },
): WireResponse {
  const headers = { 'Last-Modified': d.lastModified.toUTCString() };
  if (notModifiedSince(req, d.lastModified)) return { status: 304, empty: true, headers };
  return json(200, d.body, headers);
}

/**
 * A record read with `ETag` (a hash of the body) and `Last-Modified` (its SystemModstamp or
 * LastModifiedDate when selected); `If-None-Match` / `If-Modified-Since` that still hold give 304
 * (REST "Conditional Requests").
 */
function conditionalRecord(req: DataRequest, record: Record<string, unknown>): WireResponse {
  const etag = `"${createHash('sha1').update(JSON.stringify(record)).digest('base64url')}"`;
  const headers: Record<string, string> = { ETag: etag };
  const stamp = record.SystemModstamp ?? record.LastModifiedDate;
  const modified = typeof stamp === 'string' ? Date.parse(stamp.replace(/\+0000$/, 'Z')) : NaN;
  if (!Number.isNaN(modified)) headers['Last-Modified'] = new Date(modified).toUTCString();
  const ifNoneMatch = req.headers['if-none-match'];
  if (typeof ifNoneMatch === 'string') {
    const tags = ifNoneMatch.split(',').map((t) => t.trim());
    if (tags.includes(etag) || tags.includes('*')) return { status: 304, empty: true, headers };
  } else if (!Number.isNaN(modified) && notModifiedSince(req, new Date(modified))) {
    return { status: 304, empty: true, headers };
  }
  return json(200, record, headers);
}

/** A path segment that is not an Id is read as an external-Id field name, which the simulator has none of. */
function requireId(segment: string): string {
  if (!isSalesforceId(segment)) {
    throw new WireError(
      404,
      'NOT_FOUND',
      `Provided external ID field does not exist or is not accessible: ${segment}`,
    );
  }
  return segment;
}

function param(req: DataRequest, name: string): string {
  const value = req.params[name];
  if (value === undefined) throw new Error(`route parameter ${name} missing`);
  return decodeURIComponent(value);
}

function requiredQueryParam(req: DataRequest, name: string): string {
  const value = req.query.get(name);
  if (!value) throw new WireError(400, 'MISSING_ARGUMENT', `${name} parameter not specified`);
  return value;
}

function fieldsParam(req: DataRequest): string[] | undefined {
  const raw = req.query.get('fields');
  if (raw === null) return undefined;
  return raw
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
}

/** Keeps only real field values of a write body (`attributes` is metadata, not a field). */
function writeFields(body: Record<string, unknown>): Record<string, unknown> {
  const { attributes: _attributes, ...fields } = body;
  return fields;
}

export const sobjectRoutes: DataRoute[] = [
  {
    methods: ['GET'],
    pattern: /^\/sobjects\/?$/,
    kind: 'describeGlobal',
    handle: (req, ctx) => describeResponse(req, ctx.org.describeGlobal(req.apiVersion)),
  },
  {
    methods: ['GET'],
    pattern: /^\/sobjects\/(?<object>[^/]+)\/describe\/?$/,
    kind: 'describe',
    handle: (req, ctx) => describeResponse(req, ctx.org.describe(param(req, 'object'), req.apiVersion)),
  },
  {
    methods: ['GET'],
    pattern: /^\/sobjects\/(?<object>[^/]+)\/updated\/?$/,
    kind: 'getUpdated',
    handle: (req, ctx) =>
      json(
        200,
        ctx.org.getUpdated(
          param(req, 'object'),
          requiredQueryParam(req, 'start'),
          requiredQueryParam(req, 'end'),
        ),
      ),
  },
  {
    methods: ['GET'],
    pattern: /^\/sobjects\/(?<object>[^/]+)\/deleted\/?$/,
    kind: 'getDeleted',
    handle: (req, ctx) =>
      json(
        200,
        ctx.org.getDeleted(
          param(req, 'object'),
          requiredQueryParam(req, 'start'),
          requiredQueryParam(req, 'end'),
        ),
      ),
  },
  {
    methods: ['GET', 'POST'],
    pattern: /^\/sobjects\/(?<object>[^/]+)\/?$/,
    kind: 'sobject',
    handle: (req, ctx) => {
      const object = param(req, 'object');
      if (req.method === 'GET') return json(200, ctx.org.describeBasic(object, req.apiVersion));
      const result = ctx.org.create(object, writeFields(parseJsonObject(req.bodyText)));
      return json(201, result, {
        Location: `/services/data/v${req.apiVersion}/sobjects/${object}/${result.id}`,
      });
    },
  },
  {
    methods: ['GET'],
    pattern: /^\/sobjects\/(?<object>[^/]+)\/(?<id>[^/]+)\/(?<field>[^/]+)\/?$/,
    kind: 'blob',
    compositeAllowed: false,
    handle: async (req, ctx) => {
      const object = param(req, 'object');
      const id = param(req, 'id');
      if (!isSalesforceId(id)) {
        // `/sobjects/X/{extIdField}/{value}`: the simulated objects have no external-Id fields.
        throw new WireError(
          404,
          'NOT_FOUND',
          `Provided external ID field does not exist or is not accessible: ${id}`,
        );
      }
      const blob = ctx.org.blob(object, id, param(req, 'field'));
      const headers: Record<string, string> = {
        'Content-Type': blob.contentType || 'application/octetstream',
        'Content-Length': String(blob.size),
      };
      if (blob.fileName)
        headers['Content-Disposition'] = `attachment; filename="${blob.fileName.replace(/["\\\r\n]/g, '_')}"`;
      return { status: 200, stream: blob.stream(), headers };
    },
  },
  {
    methods: ['GET', 'PATCH', 'DELETE'],
    pattern: /^\/sobjects\/(?<object>[^/]+)\/(?<id>[^/]+)\/?$/,
    kind: 'record',
    handle: (req, ctx) => {
      const object = param(req, 'object');
      const id = requireId(param(req, 'id'));
      if (req.method === 'GET')
        return conditionalRecord(req, ctx.org.retrieve(object, id, fieldsParam(req), req.apiVersion));
      if (req.method === 'PATCH') {
        ctx.org.update(object, id, writeFields(parseJsonObject(req.bodyText)));
        return { status: 204, empty: true };
      }
      ctx.org.delete(object, id);
      return { status: 204, empty: true };
    },
  },
];
