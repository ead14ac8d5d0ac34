import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { compressBlock } from '../../src/store/packs/block-compressor.js';
import { entryChecksum } from '../../src/store/packs/entry-hash.js';

function block(lines: string[]): { raw: Buffer; offsets: number[]; lengths: number[]; copy: Buffer } {
  const text = lines.map((l) => `${l}\n`).join('');
  const raw = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  raw.write(text);
  const offsets: number[] = [];
  const lengths: number[] = [];
  let at = 0;
  for (const l of lines) {
    offsets.push(at);
    lengths.push(Buffer.byteLength(l));
    at += Buffer.byteLength(l) + 1;
  }
  return { raw, offsets, lengths, copy: Buffer.from(raw) };
}

describe('block compressor threads', () => {
  test('a block comes back as one gzip member of the same bytes, with a check per entry', async () => {
    const lines = Array.from({ length: 500 }, (_, i) =>
      JSON.stringify({ i, name: `récord ${i}`, x: 'y'.repeat(i % 50) }),
    );
    const { raw, offsets, lengths, copy } = block(lines);
    const { compressed, checksums } = await compressBlock(raw, offsets, lengths, { level: 1, memLevel: 9 });
    assert.equal(raw.length, 0, 'the block was handed over, not copied');
    assert.deepEqual(gunzipSync(compressed), copy);
    assert.equal(checksums.length, lines.length);
    for (const [j, line] of lines.entries()) assert.equal(checksums[j], entryChecksum(Buffer.from(line)));
  });

  test('many blocks at once each get their own result', async () => {
    const blocks = Array.from({ length: 40 }, (_, b) => block([`block ${b}`, `second line of ${b}`]));
    const results = await Promise.all(
      blocks.map((b) => compressBlock(b.raw, b.offsets, b.lengths, { level: 1, memLevel: 9 })),
    );
    results.forEach((r, b) => assert.deepEqual(gunzipSync(r.compressed), blocks[b]!.copy));
  });

  test('bad input is refused with the reason', async () => {
    const slice = Buffer.allocUnsafeSlow(16).subarray(4);
    assert.throws(() => compressBlock(slice, [0], [3], { level: 1, memLevel: 9 }), /own buffer/);
    await assert.rejects(
      compressBlock(Buffer.allocUnsafeSlow(8), [0], [3], { level: 42, memLevel: 9 }),
      /compressing a pack block failed/,
    );
  });
});
