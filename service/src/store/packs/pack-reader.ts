/** Reading packs back: one entry with one ranged read, or a whole pack (rebuild-index, verification). */
import { createHash } from 'node:crypto';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import type { BlobStore } from '../blob/blob-store.js';
import { entryMatches } from './entry-hash.js';
import {
  blockLines,
  blockRange,
  decodeHeader,
  decodePreamble,
  parsePack,
  PackFormatError,
  PREAMBLE_BYTES,
  type PackHeader,
} from './pack-format.js';

export interface EntryAddress {
  key: string;
  /** Absolute byte offset and compressed length of the entry's block. */
  blockOffset: number;
  blockLength: number;
  /** Position of the entry's line inside the uncompressed block. */
  offset: number;
  length: number;
  /** The line's stored check (entry-hash.ts). */
  hash: Buffer;
}

/** The uncompressed bytes of one block, fetched with one ranged read. */
export async function readBlock(
  blobs: BlobStore,
  key: string,
  blockOffset: number,
  blockLength: number,
): Promise<Buffer> {
  const blocks = await readCompressedBlocks(blobs, key, [{ blockOffset, blockLength }]);
  return inflateBlock(blocks.get(blockOffset)!);
}

/** Where one block of a pack lies: absolute offset and compressed length. */
export interface BlockLocation {
  blockOffset: number;
  blockLength: number;
}

/** Blocks closer than this are fetched as one ranged read: reading the gap costs less than another request. */
const MAX_READ_GAP = 256 * 1024;
/** …as long as one read stays this small. */
const MAX_READ_SPAN = 4 * 1024 * 1024;

/**
 * The compressed bytes of several blocks of one pack, keyed by block offset, with as few ranged reads as their
 * layout allows. On a bucket every read is a request, so a busy record's history page whose versions sit in
 * forty blocks of six packs costs about six requests, not forty.
 */
export async function readCompressedBlocks(
  blobs: BlobStore,
  key: string,
  blocks: readonly BlockLocation[],
): Promise<Map<number, Buffer>> {
  const sorted = [...new Map(blocks.map((b) => [b.blockOffset, b])).values()].sort(
    (a, b) => a.blockOffset - b.blockOffset,
  );
  const spans: BlockLocation[][] = [];
  for (const block of sorted) {
    const span = spans.at(-1);
    const last = span?.at(-1);
    const end = block.blockOffset + block.blockLength;
    if (
      span &&
      last &&
      block.blockOffset - (last.blockOffset + last.blockLength) <= MAX_READ_GAP &&
      end - span[0]!.blockOffset <= MAX_READ_SPAN
    )
      span.push(block);
    else spans.push([block]);
  }
  const out = new Map<number, Buffer>();
  await Promise.all(
    spans.map(async (span) => {
      const start = span[0]!.blockOffset;
      const last = span.at(-1)!;
      const bytes = await blobs.get(key, { start, end: last.blockOffset + last.blockLength - 1 });
      for (const b of span) {
        const compressed = bytes.subarray(b.blockOffset - start, b.blockOffset - start + b.blockLength);
        if (compressed.length !== b.blockLength)
          throw new PackFormatError(
            `${key}: block at ${b.blockOffset} read ${compressed.length} of ${b.blockLength} bytes`,
          );
        out.set(b.blockOffset, compressed);
      }
    }),
  );
  return out;
}

/**
 * A block's uncompressed bytes, at least its first `need` of them. A history page wants one entry from each of
 * many blocks, so inflating stops about where that entry ends: the gzip trailer gives the block's size, and a
 * proportional share of the input (with a margin) is inflated first; the whole block only when that fell short.
 * The entry's hash, checked by the caller, guards what a partial inflate returns.
 */
export function inflateBlock(compressed: Buffer, need = Number.POSITIVE_INFINITY): Buffer {
  // RFC 1952: a gzip member ends with ISIZE, the uncompressed length modulo 2^32 (blocks are far smaller).
  const rawLength = compressed.length >= 18 ? compressed.readUInt32LE(compressed.length - 4) : 0;
  if (rawLength > 0 && need < rawLength * 0.75) {
    const share = Math.ceil((compressed.length * need * 1.15) / rawLength) + 512;
    const partial = gunzipSync(compressed.subarray(0, Math.min(compressed.length, share)), {
      finishFlush: zlibConstants.Z_SYNC_FLUSH,
    });
    if (partial.length >= need) return partial;
  }
  return gunzipSync(compressed);
}

/** Cuts one entry out of an uncompressed block and checks its hash. */
export function entryFromBlock(block: Buffer, address: EntryAddress): Buffer {
  const line = block.subarray(address.offset, address.offset + address.length);
  if (line.length !== address.length || !entryMatches(line, address.hash)) {
    throw new PackFormatError(
      `${address.key}: entry at block ${address.blockOffset}+${address.offset} does not match its hash`,
    );
  }
  return line;
}

/** One entry, with a single ranged read of its block. */
export async function readEntry(blobs: BlobStore, address: EntryAddress): Promise<Buffer> {
  return entryFromBlock(
    await readBlock(blobs, address.key, address.blockOffset, address.blockLength),
    address,
  );
}

export interface ReadPack {
  header: PackHeader;
  headerLength: number;
  bytes: number;
  /** Absolute offsets of the blocks. */
  blockOffsets: number[];
  /** Entry lines per block. */
  blocks: Buffer[][];
}

/** Each entry line of a read pack with its block and its byte offset inside the block, in order. */
export function* packEntries(
  blocks: readonly Buffer[][],
): Generator<{ line: Buffer; block: number; offset: number }> {
  for (const [block, lines] of blocks.entries()) {
    let offset = 0;
    for (const line of lines) {
      yield { line, block, offset };
      offset += line.length + 1; // the newline
    }
  }
}

/** A whole pack, verified against its content-hash id. */
export async function readWholePack(blobs: BlobStore, key: string, packId: string): Promise<ReadPack> {
  const bytes = await blobs.get(key);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== packId) throw new PackFormatError(`${key}: content hash is ${actual}, not its name`);
  const { header, headerLength, blocks } = parsePack(bytes);
  const lines = blocks.map((b) => blockLines(b));
  lines.forEach((entries, i) => {
    if (entries.length !== header.blocks[i]!.count)
      throw new PackFormatError(
        `${key}: block ${i} holds ${entries.length} entries, header says ${header.blocks[i]!.count}`,
      );
  });
  return {
    header,
    headerLength,
    bytes: bytes.length,
    blockOffsets: header.blocks.map((b) => blockRange(headerLength, b).start),
    blocks: lines,
  };
}

/** Just the header of a pack: two small ranged reads (preamble, then header member). */
export async function readPackHeader(
  blobs: BlobStore,
  key: string,
): Promise<{ header: PackHeader; headerLength: number }> {
  const headerLength = decodePreamble(await blobs.get(key, { start: 0, end: PREAMBLE_BYTES - 1 }));
  const member = await blobs.get(key, { start: PREAMBLE_BYTES, end: PREAMBLE_BYTES + headerLength - 1 });
  if (member.length !== headerLength) throw new PackFormatError(`${key}: truncated inside its header`);
  return { header: decodeHeader(member), headerLength };
}
