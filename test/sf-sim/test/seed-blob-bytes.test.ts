/**
 * File bodies are generated from (seed, size) byte by byte from tables (seed/blob-bytes.ts) for CPU; these must
 * stay the bytes the simulator always served (a backup stored against an older simulator, or a checksum taken
 * from it, must still match). The reference is the original string-based generator.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { blobChunk, blobMd5, blobStream } from '../src/seed/blob-bytes.js';
import { hash32, mix32 } from '../src/seed/random.js';

const WORDS =
  'quarterly report customer invoice contract renewal pipeline forecast meeting notes draft final summary budget review signed'.split(
    ' ',
  );

/** The generator as first written: one string per word, written into the chunk until it is full. */
function referenceChunk(seed: string, index: number, length: number): Buffer {
  const base = hash32(seed);
  const buf = Buffer.allocUnsafe(length);
  let pos = 0;
  let k = index * 4096;
  while (pos < length) {
    const h = mix32(base, k++);
    const word = WORDS[h & 15]!;
    const sep = (h >>> 4) % 11 === 0 ? '\n' : ' ';
    const text = (h >>> 8) % 5 === 0 ? `${word}-${(h >>> 12) % 10000}${sep}` : `${word}${sep}`;
    pos += buf.write(text, pos, 'latin1');
  }
  return buf;
}

describe('generated file bodies', () => {
  test('every chunk is byte for byte what the reference generator gives, cut at any length', () => {
    let compared = 0;
    for (let s = 0; s < 200; s++) {
      const seed = `cv:${s}:${s * 7}`;
      for (const length of [0, 1, 2, 9, 16, 17, 100, 4097 + s, 65_536]) {
        const index = s % 5;
        assert.deepEqual(
          blobChunk(seed, index, length),
          referenceChunk(seed, index, length),
          `${seed} ${length}`,
        );
        compared++;
      }
    }
    assert.equal(compared, 1800);
  });

  test('a whole body streams, and checksums, as the reference chunks do', async () => {
    const size = 9 * 65_536 + 1234; // several pieces of the stream, the last chunk partial
    const chunks: Buffer[] = [];
    for await (const chunk of blobStream('att:9:3', size)) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const reference = Buffer.concat(
      Array.from({ length: 10 }, (_, i) => referenceChunk('att:9:3', i, i < 9 ? 65_536 : 1234)),
    );
    assert.equal(body.length, size);
    assert.ok(body.equals(reference));
    assert.equal(
      blobMd5({ seed: 'att:9:3', bytes: size }),
      createHash('md5').update(reference).digest('hex'),
    );
  });
});
