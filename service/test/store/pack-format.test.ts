import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { entryHash } from '../../src/store/packs/entry-hash.js';
import {
  buildPacks,
  packLocations,
  type EntryLocation,
  type PackLine,
  type PackMeta,
} from '../../src/store/packs/pack-builder.js';
import { parsePack, PREAMBLE_BYTES, PACK_FORMAT } from '../../src/store/packs/pack-format.js';
import {
  entryFromBlock,
  inflateBlock,
  readBlock,
  readCompressedBlocks,
  readEntry,
  readWholePack,
} from '../../src/store/packs/pack-reader.js';
import { packKey } from '../../src/store/packs/pack-keys.js';
import { createHash } from 'node:crypto';
import { MemoryBlobStore } from './support/memory-blob-store.js';

const ORG = '00D000000000001AAA';
const META: PackMeta = {
  kind: 'versions',
  orgId: ORG,
  object: 'Account',
  schemaHash: null,
  writtenAt: '2024-05-01T00:00:00.000Z',
  cursor: { systemModstamp: '2024-01-01T00:16:39.000Z', id: '001000000000999AAA' },
};

function lines(n: number): PackLine[] {
  return Array.from({ length: n }, (_, i) => {
    const systemModstamp = new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString();
    const id = `001${String(i).padStart(12, '0')}AAA`;
    const json = JSON.stringify({
      id,
      systemModstamp,
      deleted: false,
      fields: { Id: id, Name: `Account number ${i} with some text`, N: i },
    });
    return { json, systemModstamp };
  });
}

describe('pack format', () => {
  test('a whole pack gunzips to NDJSON: preamble, header, then every entry in order', async () => {
    const input = lines(1000);
    const [pack] = await buildPacks(META, input, { blockRawBytes: 8 * 1024 });
    assert.ok(pack);
    const text = gunzipSync(pack.bytes).toString('utf8').split('\n');
    assert.equal(JSON.parse(text[0]!).format, PACK_FORMAT);
    const header = JSON.parse(text[1]!);
    assert.equal(header.orgId, ORG);
    assert.equal(header.object, 'Account');
    assert.equal(header.count, 1000);
    assert.equal(header.minSystemModstamp, '2024-01-01T00:00:00.000Z');
    assert.equal(header.maxSystemModstamp, '2024-01-01T00:16:39.000Z');
    assert.deepEqual(header.cursor, META.cursor);
    assert.ok(header.blocks.length > 1, 'several blocks');
    assert.deepEqual(
      text.slice(2, -1),
      input.map((l) => l.json),
    );
    assert.equal(pack.id, createHash('sha256').update(pack.bytes).digest('hex'));
  });

  test('lines given as head, value and tail are stored whole, multi-byte text and over-long lines included', async () => {
    const blobs = new MemoryBlobStore();
    const parts = lines(300).map((l, i) => {
      const value = JSON.stringify({ Name: i === 150 ? 'é€😀'.repeat(3000) : `Société n°${i} — 東京` });
      return { head: `{"n":${i},"fields":`, json: value, tail: '}', systemModstamp: l.systemModstamp };
    });
    const whole = parts.map((p) => `${p.head}${p.json}${p.tail}`);
    const [pack] = await buildPacks(META, parts, { blockRawBytes: 4 * 1024 });
    assert.ok(pack);
    assert.ok(Buffer.byteLength(whole[150]!) > 4 * 1024, 'one line is longer than a block');
    const key = packKey(ORG, 'Account', pack.id);
    await blobs.putIfAbsent(key, pack.bytes);
    const read = await readWholePack(blobs, key, pack.id);
    assert.deepEqual(
      read.blocks.flat().map((l) => l.toString('utf8')),
      whole,
    );
    const locations = packLocations(pack);
    for (const i of [0, 149, 150, 151, 299]) {
      assert.deepEqual(locations[i]!.hash, entryHash(Buffer.from(whole[i]!)));
      assert.equal(locations[i]!.length, Buffer.byteLength(whole[i]!));
    }
  });

  test('one version is read back with exactly one ranged read', async () => {
    const blobs = new MemoryBlobStore();
    const input = lines(2000);
    const [pack] = await buildPacks(META, input, { blockRawBytes: 16 * 1024 });
    assert.ok(pack);
    const key = packKey(ORG, 'Account', pack.id);
    await blobs.putIfAbsent(key, pack.bytes);
    for (const i of [0, 777, 1999]) {
      const loc: EntryLocation = packLocations(pack)[i]!;
      blobs.reads.length = 0;
      const line = await readEntry(blobs, {
        key,
        blockOffset: pack.blockOffsets[loc.block]!,
        blockLength: pack.header.blocks[loc.block]!.length,
        offset: loc.offset,
        length: loc.length,
        hash: loc.hash,
      });
      assert.equal(line.toString(), input[i]!.json);
      assert.deepEqual(loc.hash, entryHash(Buffer.from(input[i]!.json)));
      assert.equal(blobs.reads.length, 1);
      assert.ok(blobs.reads[0]!.range, 'a ranged read');
      assert.ok(
        blobs.reads[0]!.range.end - blobs.reads[0]!.range.start < pack.bytes.length / 4,
        'reads a block, not the pack',
      );
    }
  });

  test('many blocks of one pack come back with one ranged read, each inflated only as far as asked', async () => {
    const blobs = new MemoryBlobStore();
    const input = lines(3000);
    const [pack] = await buildPacks(META, input, { blockRawBytes: 64 * 1024 });
    assert.ok(pack);
    const key = packKey(ORG, 'Account', pack.id);
    await blobs.putIfAbsent(key, pack.bytes);
    const wanted = [5, 900, 1800, 2999].map((i) => ({ i, loc: packLocations(pack)[i]! }));
    const locations = wanted.map(({ loc }) => ({
      blockOffset: pack.blockOffsets[loc.block]!,
      blockLength: pack.header.blocks[loc.block]!.length,
    }));
    blobs.reads.length = 0;
    const compressed = await readCompressedBlocks(blobs, key, locations);
    assert.equal(blobs.reads.length, 1, 'neighbouring blocks are read together');
    assert.equal(compressed.size, new Set(locations.map((l) => l.blockOffset)).size);
    for (const { i, loc } of wanted) {
      const bytes = compressed.get(pack.blockOffsets[loc.block]!)!;
      const whole = gunzipSync(bytes);
      const early = inflateBlock(bytes, loc.offset + loc.length);
      assert.ok(early.length >= loc.offset + loc.length, 'at least what was asked');
      assert.deepEqual(early, whole.subarray(0, early.length), 'a prefix of the block');
      const address = { key, blockOffset: 0, blockLength: 0, ...loc };
      assert.equal(entryFromBlock(early, address).toString(), input[i]!.json);
    }
    // The first entry of a block needs far less than the whole block.
    const first = wanted[0]!.loc;
    const firstBytes = compressed.get(pack.blockOffsets[first.block]!)!;
    assert.ok(inflateBlock(firstBytes, first.offset + first.length).length < gunzipSync(firstBytes).length);
    assert.deepEqual(inflateBlock(firstBytes), gunzipSync(firstBytes));
  });

  test('blocks far apart in a pack are separate reads; a damaged block is refused', async () => {
    const blobs = new MemoryBlobStore();
    const input = lines(40_000);
    const [pack] = await buildPacks(META, input, { blockRawBytes: 4 * 1024 });
    assert.ok(pack);
    const key = packKey(ORG, 'Account', pack.id);
    await blobs.putIfAbsent(key, pack.bytes);
    const first = { blockOffset: pack.blockOffsets[0]!, blockLength: pack.header.blocks[0]!.length };
    const lastIndex = pack.blockOffsets.length - 1;
    const last = {
      blockOffset: pack.blockOffsets[lastIndex]!,
      blockLength: pack.header.blocks[lastIndex]!.length,
    };
    assert.ok(last.blockOffset - first.blockOffset > 256 * 1024, 'the pack spans more than the read gap');
    blobs.reads.length = 0;
    const compressed = await readCompressedBlocks(blobs, key, [last, first, first]);
    assert.equal(blobs.reads.length, 2);
    assert.equal(compressed.size, 2);
    const damaged = Buffer.from(compressed.get(first.blockOffset)!);
    damaged.fill(0, 10, 40);
    assert.throws(() => inflateBlock(damaged));
  });

  test('an entry whose bytes do not match its indexed check is refused; older SHA-256 checks still verify', async () => {
    const blobs = new MemoryBlobStore();
    const input = lines(50);
    const [pack] = await buildPacks(META, input);
    assert.ok(pack);
    const key = packKey(ORG, 'Account', pack.id);
    await blobs.putIfAbsent(key, pack.bytes);
    const loc = packLocations(pack)[7]!;
    const block = await readBlock(
      blobs,
      key,
      pack.blockOffsets[loc.block]!,
      pack.header.blocks[loc.block]!.length,
    );
    const address = { key, blockOffset: pack.blockOffsets[loc.block]!, blockLength: 0, ...loc };
    assert.equal(entryFromBlock(block, address).toString(), input[7]!.json);
    // The index pointing one entry off (or at damaged bytes) is caught, not served.
    assert.throws(
      () => entryFromBlock(block, { ...address, hash: packLocations(pack)[8]!.hash }),
      /does not match/,
    );
    const sha256 = createHash('sha256').update(input[7]!.json).digest();
    assert.equal(entryFromBlock(block, { ...address, hash: sha256 }).toString(), input[7]!.json);
    assert.throws(() => entryFromBlock(block, { ...address, hash: Buffer.alloc(32) }), /does not match/);
  });

  test('the same versions always give the same pack name', async () => {
    const [a] = await buildPacks(META, lines(300));
    const [b] = await buildPacks(META, lines(300));
    assert.equal(a!.id, b!.id);
    const [c] = await buildPacks({ ...META, object: 'Contact' }, lines(300));
    assert.notEqual(a!.id, c!.id);
  });

  test('large batches are split into several packs; only the last carries the cursor and names the others', async () => {
    const blobs = new MemoryBlobStore();
    const packs = await buildPacks(META, lines(3000), { blockRawBytes: 8 * 1024, maxPackBytes: 16 * 1024 });
    assert.ok(packs.length >= 3, `${packs.length} packs`);
    for (const pack of packs.slice(0, -1)) {
      assert.equal(pack.header.cursor, null);
      assert.ok(pack.bytes.length <= 16 * 1024 + PREAMBLE_BYTES + 2048);
    }
    const last = packs.at(-1)!;
    assert.deepEqual(last.header.cursor, META.cursor);
    assert.deepEqual(
      last.header.requires,
      packs.slice(0, -1).map((p) => p.id),
    );
    assert.equal(
      packs.reduce((n, p) => n + p.header.count, 0),
      3000,
    );
    for (const pack of packs) {
      const key = packKey(ORG, 'Account', pack.id);
      await blobs.putIfAbsent(key, pack.bytes);
      const read = await readWholePack(blobs, key, pack.id);
      assert.equal(read.blocks.flat().length, pack.header.count);
      assert.deepEqual(read.blockOffsets, pack.blockOffsets);
    }
  });

  test('a damaged or truncated pack is rejected, not misread', async () => {
    const blobs = new MemoryBlobStore();
    const [pack] = await buildPacks(META, lines(100));
    assert.ok(pack);
    assert.throws(() => parsePack(pack.bytes.subarray(0, pack.bytes.length - 10)), /truncated/);
    assert.throws(() => parsePack(Buffer.from('hello')), /preamble truncated/);
    const key = packKey(ORG, 'Account', pack.id);
    const damaged = Buffer.from(pack.bytes);
    damaged.writeUInt8(damaged.readUInt8(damaged.length - 20) ^ 0xff, damaged.length - 20);
    await blobs.putIfAbsent(key, damaged);
    await assert.rejects(readWholePack(blobs, key, pack.id), /content hash/);
  });
});
