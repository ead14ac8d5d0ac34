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

/**
 * The ASCII bytes of each word (`WORD_WIDTH` bytes apart, `WORD_LENGTH` long) and of each number 0–9999
 * (`NUMBER_WIDTH` bytes apart, `NUMBER_LENGTH` long): flat tables, the fastest for V8 to copy from.
 */
const WORD_WIDTH = 16;
const WORD_BYTES = new Uint8Array(LINE_WORDS.length * WORD_WIDTH);
const WORD_LENGTH = new Uint8Array(LINE_WORDS.map((word) => word.length));
LINE_WORDS.forEach((word, i) => WORD_BYTES.set(Buffer.from(word, 'latin1'), i * WORD_WIDTH));
const NUMBER_WIDTH = 4;
const NUMBER_BYTES = new Uint8Array(10_000 * NUMBER_WIDTH);
const NUMBER_LENGTH = new Uint8Array(10_000);
for (let n = 0; n < 10_000; n++) {
  const digits = String(n);
  NUMBER_BYTES.set(Buffer.from(digits, 'latin1'), n * NUMBER_WIDTH);
  NUMBER_LENGTH[n] = digits.length;
}
/** The same tables as little-endian 32-bit words: a step writes a word in three stores and a number in one. */
const WORD_WORDS = new Uint32Array(LINE_WORDS.length * 3);
const NUMBER_WORDS = new Uint32Array(10_000);
{
  const words = new DataView(WORD_BYTES.buffer);
  for (let i = 0; i < WORD_WORDS.length; i++)
    WORD_WORDS[i] = words.getUint32(Math.floor(i / 3) * WORD_WIDTH + (i % 3) * 4, true);
  const numbers = new DataView(NUMBER_BYTES.buffer);
  for (let n = 0; n < 10_000; n++) NUMBER_WORDS[n] = numbers.getUint32(n * NUMBER_WIDTH, true);
}
/**
 * Bytes a step may write past its chunk's end: its last piece (a word, `-`, four digits and a separator), stored
 * 32 bits at a time (a word as 12 bytes, zero padded; a number as 4).
 */
const LONGEST_PIECE = 12 + 2 + NUMBER_WIDTH;

/**
 * Bytes [index × 64 KB, +length) of a body: step k writes `word` or `word-N`, then a space or a newline, each
 * chosen by mix32(hash32(seed), k), until the chunk is full (its last piece cut). Written from tables, 32 bits at
 * a time, rather than through strings or byte by byte (each several times the CPU): file downloads and
 * ContentVersion.Checksum generate
 * every body, and the simulator shares its machine with what it serves (bench/scale-out.bench.ts).
 */
export function blobChunk(seed: string, index: number, length: number): Buffer {
  // Room for a whole last piece past the end, so no step checks bounds; the extra bytes are not returned.
  // Not zero-filled: every returned byte is written.
  const out = Buffer.allocUnsafeSlow(length + LONGEST_PIECE);
  fillChunk(out, 0, hash32(seed), index, length);
  return out.subarray(0, length);
}

/**
 * Writes chunk `index` (`length` bytes) of the body of `base` (hash32 of its seed) at `start` of `out`, which
 * must have LONGEST_PIECE bytes of room past the chunk: its last piece runs over them. A word is stored as three
 * 32-bit words and a number as one, whatever their length: the bytes past them are overwritten by what follows
 * (or are past the chunk), so the body is the same as written byte by byte, at about a third of the CPU.
 */
function fillChunk(out: Uint8Array, start: number, base: number, index: number, length: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const end = start + length;
  let pos = start;
  let k = index * 4096;
  while (pos < end) {
    const h = mix32(base, k++);
    const word = h & 15;
    const at = word * 3;
    view.setUint32(pos, WORD_WORDS[at]!, true);
    view.setUint32(pos + 4, WORD_WORDS[at + 1]!, true);
    view.setUint32(pos + 8, WORD_WORDS[at + 2]!, true);
    pos += WORD_LENGTH[word]!;
    if ((h >>> 8) % 5 === 0) {
      const n = (h >>> 12) % 10_000;
      out[pos++] = 0x2d; // '-'
      view.setUint32(pos, NUMBER_WORDS[n]!, true);
      pos += NUMBER_LENGTH[n]!;
    }
    out[pos++] = (h >>> 4) % 11 === 0 ? 0x0a : 0x20; // '\n' or ' '
  }
}

/** Chunks generated per piece of a stream: fewer, larger writes to the socket and hash (the bytes are the same). */
const CHUNKS_PER_PIECE = 4;

/** The body in pieces of up to CHUNKS_PER_PIECE chunks, each chunk generated into place. */
function* blobPieces(seed: string, size: number): Generator<Buffer> {
  const base = hash32(seed);
  let index = 0;
  for (let sent = 0; sent < size;) {
    const length = Math.min(CHUNK * CHUNKS_PER_PIECE, size - sent);
    const out = Buffer.allocUnsafeSlow(length + LONGEST_PIECE);
    // In order: a chunk's last piece runs into the next chunk's place, which that chunk then overwrites.
    for (let at = 0; at < length; at += CHUNK)
      fillChunk(out, at, base, index++, Math.min(CHUNK, length - at));
    yield out.subarray(0, length);
    sent += length;
  }
}

export async function* blobStream(seed: string, size: number): AsyncGenerator<Buffer> {
  yield* blobPieces(seed, size);
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
    else for (const piece of blobPieces(ref.seed, ref.bytes)) hash.update(piece);
    md5 = hash.digest('hex');
    md5Cache.set(key, md5);
  }
  return md5;
}
