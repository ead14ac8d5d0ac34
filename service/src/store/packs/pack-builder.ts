/**
 * Builds packs (see pack-format.ts) from entry lines already in their final order: lines are cut
 * into blocks of about `blockRawBytes`, blocks are gzipped in parallel (libuv thread pool), then
 * consecutive blocks are grouped into packs of at most `maxPackBytes`.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import {
  encodePreamble,
  PACK_FORMAT,
  PACK_FORMAT_VERSION,
  PREAMBLE_BYTES,
  type PackBlock,
  type PackCursor,
  type PackHeader,
  type PackKind,
} from './pack-format.js';

const gzip = promisify(gzipCallback);

export interface PackLine {
  /** The entry as one line of JSON, without the newline. */
  json: string;
  /** UTC ISO, for the header's min/max. */
  systemModstamp: string;
}

export interface PackMeta {
  kind: PackKind;
  orgId: string;
  object: string;
  schemaHash: string | null;
  writtenAt: string;
  /** Written into the LAST pack of the batch only, together with the ids of the batch's other packs. */
  cursor: PackCursor | null;
}

export interface PackOptions {
  /** Uncompressed bytes per block (one ranged read fetches one block). */
  blockRawBytes: number;
  /** Compressed bytes per pack at most (a single block larger than this still gets a pack). */
  maxPackBytes: number;
  /** gzip level (1 = fastest; see bench/store.bench.ts for the measured trade-off). */
  level: number;
}

export const DEFAULT_PACK_OPTIONS: PackOptions = {
  blockRawBytes: 128 * 1024,
  maxPackBytes: 32 * 1024 * 1024,
  level: 1,
};

/** Where one entry landed. */
export interface EntryLocation {
  block: number;
  /** Byte offset of the line inside the uncompressed block. */
  offset: number;
  length: number;
  /** SHA-256 of the line's bytes. */
  hash: Buffer;
}

export interface BuiltPack {
  /** SHA-256 (hex) of `bytes`. */
  id: string;
  bytes: Buffer;
  header: PackHeader;
  headerLength: number;
  /** Absolute byte offset of each block in `bytes`. */
  blockOffsets: number[];
  /** Index of the pack's first line in the input. */
  firstLine: number;
  /** One per line of this pack, in input order. */
  locations: EntryLocation[];
}

/** What the index records of a built pack (its `packs` row), without the bytes. */
export function packSummary(p: BuiltPack): {
  id: string;
  header: PackHeader;
  headerLength: number;
  blockOffsets: number[];
  size: number;
} {
  return {
    id: p.id,
    header: p.header,
    headerLength: p.headerLength,
    blockOffsets: p.blockOffsets,
    size: p.bytes.length,
  };
}

interface RawBlock {
  firstLine: number;
  lines: number;
  raw: Buffer;
  offsets: number[];
  lengths: number[];
}

/**
 * Items → blocks of about `blockRawBytes` (one UTF-8 encoding per block, not per line), one block at
 * a time, so the caller can start compressing a block while the next one is encoded.
 */
function* cutBlocks<T>(
  items: readonly T[],
  toLine: (item: T) => PackLine,
  stamps: string[],
  blockRawBytes: number,
): Generator<RawBlock> {
  let i = 0;
  let pending: string | null = null;
  while (i < items.length) {
    const first = i;
    let size = 0;
    let text = '';
    const offsets: number[] = [];
    const lengths: number[] = [];
    while (i < items.length) {
      let json: string | null = pending;
      if (json === null) {
        const line = toLine(items[i]!);
        stamps.push(line.systemModstamp);
        json = line.json;
      }
      const length = Buffer.byteLength(json);
      if (i !== first && size + length + 1 > blockRawBytes) {
        pending = json; // starts the next block
        break;
      }
      pending = null;
      offsets.push(size);
      lengths.push(length);
      size += length + 1;
      text += json + '\n';
      i++;
    }
    yield { firstLine: first, lines: i - first, raw: Buffer.from(text), offsets, lengths };
  }
}

function minMax(stamps: readonly string[], from: number, to: number): [string | null, string | null] {
  let min: string | null = null;
  let max: string | null = null;
  for (let i = from; i < to; i++) {
    const t = stamps[i]!;
    if (min === null || t < min) min = t;
    if (max === null || t > max) max = t;
  }
  return [min, max];
}

export async function buildPacks(
  meta: PackMeta,
  lines: readonly PackLine[],
  options: Partial<PackOptions> = {},
): Promise<BuiltPack[]> {
  return buildPacksFrom(meta, lines, (line) => line, options);
}

/** As buildPacks, encoding each item to its line as it goes (encoding overlaps compression). */
export async function buildPacksFrom<T>(
  meta: PackMeta,
  items: readonly T[],
  toLine: (item: T) => PackLine,
  options: Partial<PackOptions> = {},
): Promise<BuiltPack[]> {
  const opts = { ...DEFAULT_PACK_OPTIONS, ...options };
  if (items.length === 0) return [];
  const stamps: string[] = [];
  const rawBlocks: RawBlock[] = [];
  const compressing: Array<Promise<Buffer>> = [];
  const hashes: Buffer[][] = [];
  const gzipOptions = { level: opts.level, memLevel: 9, chunkSize: Math.max(16 * 1024, opts.blockRawBytes) };
  for (const b of cutBlocks(items, toLine, stamps, opts.blockRawBytes)) {
    rawBlocks.push(b);
    compressing.push(gzip(b.raw, gzipOptions)); // thread pool
    // Hash the entries on this thread while the thread pool compresses.
    hashes.push(
      b.offsets.map((offset, j) =>
        createHash('sha256')
          .update(b.raw.subarray(offset, offset + b.lengths[j]!))
          .digest(),
      ),
    );
  }
  const compressed = await Promise.all(compressing);

  // Group consecutive blocks into packs.
  const groups: number[][] = [];
  let current: number[] = [];
  let currentBytes = 0;
  compressed.forEach((c, index) => {
    if (current.length > 0 && currentBytes + c.length > opts.maxPackBytes) {
      groups.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(index);
    currentBytes += c.length;
  });
  groups.push(current);

  const packs: BuiltPack[] = [];
  for (const [g, group] of groups.entries()) {
    const isLast = g === groups.length - 1;
    const first = rawBlocks[group[0]!]!;
    const lastBlock = rawBlocks[group.at(-1)!]!;
    const firstLine = first.firstLine;
    const endLine = lastBlock.firstLine + lastBlock.lines;
    const blocks: PackBlock[] = [];
    const locations: EntryLocation[] = [];
    let offset = 0;
    for (const [b, index] of group.entries()) {
      const raw = rawBlocks[index]!;
      const length = compressed[index]!.length;
      blocks.push({ offset, length, count: raw.lines, rawLength: raw.raw.length });
      offset += length;
      for (let j = 0; j < raw.lines; j++) {
        locations.push({
          block: b,
          offset: raw.offsets[j]!,
          length: raw.lengths[j]!,
          hash: hashes[index]![j]!,
        });
      }
    }
    const [minSystemModstamp, maxSystemModstamp] = minMax(stamps, firstLine, endLine);
    const header: PackHeader = {
      format: PACK_FORMAT,
      version: PACK_FORMAT_VERSION,
      kind: meta.kind,
      orgId: meta.orgId,
      object: meta.object,
      schemaHash: meta.schemaHash,
      count: endLine - firstLine,
      minSystemModstamp,
      maxSystemModstamp,
      writtenAt: meta.writtenAt,
      cursor: isLast ? meta.cursor : null,
      // A cursor is only true when every pack of its batch is present: rebuild-index checks these.
      requires: isLast ? packs.map((p) => p.id) : [],
      blocks,
    };
    const headerMember = await gzip(Buffer.from(JSON.stringify(header) + '\n'), { level: opts.level });
    const preamble = encodePreamble(headerMember.length);
    const bytes = Buffer.concat([preamble, headerMember, ...group.map((index) => compressed[index]!)]);
    const dataStart = PREAMBLE_BYTES + headerMember.length;
    packs.push({
      id: createHash('sha256').update(bytes).digest('hex'),
      bytes,
      header,
      headerLength: headerMember.length,
      blockOffsets: blocks.map((b) => dataStart + b.offset),
      firstLine,
      locations,
    });
  }
  return packs;
}
