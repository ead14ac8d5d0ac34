/**
 * File bodies generated from (seed, size): the same bytes every time, streamed in chunks so a
 * large file never sits in memory. Text-like content (printable lines) so files compress as real
 * documents do.
 */
import { createHash } from 'node:crypto';
import { hash32, mix32 } from './random.js';

const CHUNK = 64 * 1024;
const LINE_WORDS = [
  'quarterly',
  'report',
  'customer',
  'invoice',
  'contract',
  'renewal',
  'pipeline',
  'forecast',
  'meeting',
  'notes',
  'draft',
  'final',
  'summary',
  'budget',
  'review',
  'signed',
];

export function blobChunk(seed: string, index: number, length: number): Buffer {
  const base = hash32(seed);
  const buf = Buffer.allocUnsafe(length);
  let pos = 0;
  let k = index * 4096;
  while (pos < length) {
    const h = mix32(base, k++);
    const word = LINE_WORDS[h & 15]!;
    const sep = (h >>> 4) % 11 === 0 ? '\n' : ' ';
    const text = (h >>> 8) % 5 === 0 ? `${word}-${(h >>> 12) % 10000}${sep}` : `${word}${sep}`;
    pos += buf.write(text, pos, 'latin1');
  }
  return buf;
}

export async function* blobStream(seed: string, size: number): AsyncGenerator<Buffer> {
  let sent = 0;
  let index = 0;
  while (sent < size) {
    const n = Math.min(CHUNK, size - sent);
    yield blobChunk(seed, index++, n);
    sent += n;
  }
}

const md5Cache = new Map<string, string>();

/**
 * The MD5 (hex) of a body, as Salesforce reports it in ContentVersion.Checksum
 * (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contentversion.htm:
 * "MD5 checksum for the file"). Computed once per distinct body, chunk by chunk.
 */
export function blobMd5(ref: { bytes: number; seed: string; data?: string }): string {
  const key = ref.data !== undefined ? `data:${ref.data}` : `${ref.seed}:${ref.bytes}`;
  let md5 = md5Cache.get(key);
  if (md5 === undefined) {
    const hash = createHash('md5');
    if (ref.data !== undefined) hash.update(Buffer.from(ref.data, 'base64'));
    else
      for (let sent = 0, index = 0; sent < ref.bytes; index++) {
        const n = Math.min(CHUNK, ref.bytes - sent);
        hash.update(blobChunk(ref.seed, index, n));
        sent += n;
      }
    md5 = hash.digest('hex');
    md5Cache.set(key, md5);
  }
  return md5;
}
