/**
 * File bodies generated from (seed, size): the same bytes every time, streamed in chunks so a
 * large file never sits in memory. Text-like content (printable lines) so files compress as real
 * documents do.
 */
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
