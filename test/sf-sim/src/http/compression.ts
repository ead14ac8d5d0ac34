/**
 * HTTP compression as the REST API does it (REST API Developer Guide, "Compression Headers",
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_rest_compression.htm):
 * a response is compressed when the request's `Accept-Encoding` names gzip, deflate or br, and says
 * so in `Content-Encoding`; a request body sent with `Content-Encoding: gzip` or `deflate` is
 * decompressed before it is processed. A client that sends no `Accept-Encoding` gets identity.
 */
import type { Transform } from 'node:stream';
import { promisify } from 'node:util';
import {
  brotliCompress,
  brotliDecompressSync,
  constants,
  createBrotliCompress,
  createDeflate,
  createGzip,
  deflate,
  gunzipSync,
  gzip,
  inflateRawSync,
  inflateSync,
} from 'node:zlib';
import { WireError } from './errors.js';

export type Coding = 'gzip' | 'deflate' | 'br';

/** On equal q-values gzip wins ("gzip is more common than deflate"), then deflate, then br. */
const PREFERENCE: readonly Coding[] = ['gzip', 'deflate', 'br'];

// A fast level: the simulator shares the machine with the client it serves.
const ZLIB_OPTIONS = { level: 1 };
const BROTLI_OPTIONS = { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } };

const gzipAsync = promisify(gzip);
const deflateAsync = promisify(deflate);
const brotliAsync = promisify(brotliCompress);

/**
 * The response coding for an `Accept-Encoding` header (RFC 9110 §12.5.3): the acceptable coding
 * with the highest q-value, `*` standing for any coding not named; null for identity.
 */
export function negotiate(header: string | string[] | undefined): Coding | null {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  if (text.trim() === '') return null;
  const q = new Map<string, number>();
  for (const part of text.split(',')) {
    const [rawName = '', ...params] = part.split(';').map((s) => s.trim());
    let name = rawName.toLowerCase();
    if (name === 'x-gzip') name = 'gzip';
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^q\s*=\s*([0-9.]+)$/i.exec(p);
      if (m) weight = Number(m[1]);
    }
    if (!Number.isFinite(weight)) weight = 0;
    q.set(name, Math.max(q.get(name) ?? 0, weight));
  }
  let best: Coding | null = null;
  let bestQ = 0;
  for (const coding of PREFERENCE) {
    const weight = q.get(coding) ?? q.get('*') ?? 0;
    if (weight > bestQ) {
      best = coding;
      bestQ = weight;
    }
  }
  return best;
}

/** Compresses a whole body (JSON responses, which carry a Content-Length). */
export function compressBuffer(coding: Coding, body: Buffer): Promise<Buffer> {
  switch (coding) {
    case 'gzip':
      return gzipAsync(body, ZLIB_OPTIONS);
    case 'deflate':
      return deflateAsync(body, ZLIB_OPTIONS);
    default:
      return brotliAsync(body, BROTLI_OPTIONS);
  }
}

/** A compressing stream (CSV results and file bodies, sent chunked). */
export function compressStream(coding: Coding): Transform {
  switch (coding) {
    case 'gzip':
      return createGzip(ZLIB_OPTIONS);
    case 'deflate':
      return createDeflate(ZLIB_OPTIONS);
    default:
      return createBrotliCompress(BROTLI_OPTIONS);
  }
}

/** The codings a `Content-Encoding` header lists, in the order they were applied; identity left out. */
export function contentCodings(header: string | string[] | undefined): string[] {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  return text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '' && s !== 'identity');
}

/**
 * Undoes a request body's `Content-Encoding`. The size limit applies to the decompressed bytes;
 * an unknown coding is 415 and a body that does not decompress is 400. (Salesforce documents the
 * codings, not these two errors' wording.)
 */
export function decodeRequestBody(raw: Buffer, codings: string[], maxBytes: number): Buffer {
  let body = raw;
  for (const coding of [...codings].reverse()) {
    const opts = { maxOutputLength: maxBytes };
    try {
      switch (coding) {
        case 'gzip':
        case 'x-gzip':
          body = gunzipSync(body, opts);
          break;
        case 'deflate':
          // HTTP "deflate" is zlib-wrapped (RFC 9110 §8.4.1.2), but some clients send raw deflate.
          try {
            body = inflateSync(body, opts);
          } catch (err) {
            if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw err;
            body = inflateRawSync(body, opts);
          }
          break;
        case 'br':
          body = brotliDecompressSync(body, opts);
          break;
        default:
          throw new WireError(
            415,
            'UNSUPPORTED_MEDIA_TYPE',
            `Content-Encoding '${coding}' is not supported; use gzip or deflate`,
          );
      }
    } catch (err) {
      if (err instanceof WireError) throw err;
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
        throw new WireError(
          413,
          'REQUEST_ENTITY_TOO_LARGE',
          `Request body exceeds ${maxBytes} bytes once decompressed`,
        );
      throw new WireError(
        400,
        'JSON_PARSER_ERROR',
        `The request body is not valid ${coding} data: ${(err as Error).message}`,
      );
    }
  }
  return body;
}
