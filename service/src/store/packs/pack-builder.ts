/**
 * Builds packs (see pack-format.ts) from entry lines already in their final order, as a pipeline:
 * lines are encoded straight into blocks of about `blockRawBytes`; each block goes to a compressor
 * thread (block-compressor.ts) as soon as it is full while this thread encodes the next one;
 * compressed blocks are then placed, in order, into packs of at most `maxPackBytes`.
 *
 * Callers can act while the batch is still being packed: `onBlock` learns where each block's
 * entries will live (pack, block, offsets) the moment its pack is decided, and `onPack` receives
 * each pack as soon as its bytes are final. The version writer uses this to encode index rows and
 * upload packs while later blocks are still being compressed.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { compressBlock, type CompressedBlock } from './block-compressor.js';
import { entryHashBytes } from './entry-hash.js';
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
  /** The entry as one line of JSON, without the newline: `head + json + tail`. */
  json: string;
  /**
   * ASCII text written before and after `json`, when the line is built around an encoded value
   * (writing the parts spares joining them into one more string per entry on the write path).
   */
  head?: string;
  tail?: string;
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
  /**
   * Packs written by earlier batches that the cursor also depends on (the other writes of a Bulk window, say):
   * named in the last pack's `requires` next to the batch's own.
   */
  requires?: readonly string[];
  /** The packs a merged pack replaces (compaction); only for a batch of one pack. */
  replaces?: string[];
}

export interface PackOptions {
  /**
   * Uncompressed bytes per block (one ranged read fetches one block). Reading one version inflates its block, so
   * the size trades point reads against compression: at 64 KB a busy record's history page inflates half what it
   * did at 128 KB for about 2 % more bytes in the bucket (bench/api.bench.ts measures the page).
   */
  blockRawBytes: number;
  /** Compressed bytes per pack at most (a single block larger than this still gets a pack). */
  maxPackBytes: number;
  /** gzip level (1 = fastest; see bench/store.bench.ts for the measured trade-off). */
  level: number;
}

export const DEFAULT_PACK_OPTIONS: PackOptions = {
  blockRawBytes: 64 * 1024,
  maxPackBytes: 32 * 1024 * 1024,
  level: 1,
};

/** Blocks compressed ahead of the one being placed: bounds memory, keeps the thread pool busy. */
const BLOCKS_AHEAD = 8;

/** Where one entry landed. */
export interface EntryLocation {
  block: number;
  /** Byte offset of the line inside the uncompressed block. */
  offset: number;
  length: number;
  /** The line's stored check (entry-hash.ts). */
  hash: Buffer;
}

/** A block as placed in its pack: which pack of the batch, which block of the pack, and its entries. */
export interface PlacedBlock {
  /** Index of the pack among the packs of this batch. */
  packIndex: number;
  /** Index of the block inside its pack. */
  block: number;
  /** Index of the block's first line in the input. */
  firstLine: number;
  /** Byte offset of each line inside the uncompressed block. */
  offsets: number[];
  lengths: number[];
  /** CRC-32 of each line (entry-hash.ts). */
  checksums: Uint32Array;
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
  /** The pack's blocks and where their entries are. */
  blocks: PlacedBlock[];
}

export interface PackHooks {
  /** Each block, in input order, once its place is known (before its pack is complete). Awaited. */
  onBlock?(block: PlacedBlock): void | Promise<void>;
  /** Each pack, in order, as soon as its bytes are final. Not awaited. */
  onPack?(pack: BuiltPack): void;
}

/** Where each entry of a pack landed, in input order. */
export function packLocations(pack: BuiltPack): EntryLocation[] {
  const locations: EntryLocation[] = [];
  for (const b of pack.blocks) {
    for (let j = 0; j < b.offsets.length; j++) {
      locations.push({
        block: b.block,
        offset: b.offsets[j]!,
        length: b.lengths[j]!,
        hash: entryHashBytes(b.checksums[j]!),
      });
    }
  }
  return locations;
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
  /** Handed over to the compressor (detached afterwards): read `rawLength`, not `raw.length`. */
  raw: Buffer;
  rawLength: number;
  offsets: number[];
  lengths: number[];
  minStamp: string;
  maxStamp: string;
}

/** Writes `head + json + tail` at `at` (room checked by the caller); returns the bytes written. */
function writeLine(buffer: Buffer, at: number, head: string, json: string, tail: string): number {
  let o = at;
  if (head.length > 0) o += buffer.write(head, o, 'latin1');
  o += buffer.write(json, o);
  if (tail.length > 0) o += buffer.write(tail, o, 'latin1');
  return o - at;
}

/**
 * Items → blocks of about `blockRawBytes`, one block at a time, each line UTF-8-encoded once,
 * straight into the block's buffer. A line longer than a block gets a block of its own.
 */
function* cutBlocks<T>(
  items: readonly T[],
  toLine: (item: T) => PackLine,
  blockRawBytes: number,
): Generator<RawBlock> {
  let i = 0;
  let pending: PackLine | null = null;
  while (i < items.length) {
    const first = i;
    // Never from the shared pool: the block's memory is transferred to a compressor thread.
    let buffer = Buffer.allocUnsafeSlow(blockRawBytes);
    let size = 0;
    const offsets: number[] = [];
    const lengths: number[] = [];
    let minStamp = '';
    let maxStamp = '';
    while (i < items.length) {
      const line: PackLine = pending ?? toLine(items[i]!);
      pending = null;
      const head = line.head ?? '';
      const tail = line.tail ?? '';
      let length: number;
      // A UTF-16 code unit never takes more than 3 UTF-8 bytes: most lines need no length probe.
      if (size + head.length + line.json.length * 3 + tail.length + 1 <= buffer.length) {
        length = writeLine(buffer, size, head, line.json, tail);
      } else {
        length = head.length + Buffer.byteLength(line.json) + tail.length;
        if (i !== first && size + length + 1 > blockRawBytes) {
          pending = line; // starts the next block
          break;
        }
        if (size + length + 1 > buffer.length) {
          const larger = Buffer.allocUnsafeSlow(size + length + 1);
          buffer.copy(larger, 0, 0, size);
          buffer = larger;
        }
        writeLine(buffer, size, head, line.json, tail);
      }
      buffer[size + length] = 0x0a;
      offsets.push(size);
      lengths.push(length);
      size += length + 1;
      const stamp = line.systemModstamp;
      if (minStamp === '' || stamp < minStamp) minStamp = stamp;
      if (stamp > maxStamp) maxStamp = stamp;
      i++;
    }
    yield {
      firstLine: first,
      raw: buffer.subarray(0, size),
      rawLength: size,
      offsets,
      lengths,
      minStamp,
      maxStamp,
    };
  }
}

/** The batch's own packs and the earlier ones its cursor depends on, each once. */
function requiresOf(meta: Pick<PackMeta, 'requires'>, packs: readonly BuiltPack[]): string[] {
  return [...new Set([...packs.map((p) => p.id), ...(meta.requires ?? [])])];
}

/** A pack's bytes from its header and compressed blocks, and its name (the SHA-256 of the bytes). */
async function assemblePack(
  header: PackHeader,
  compressedBlocks: readonly Buffer[],
  level: number,
): Promise<Pick<BuiltPack, 'id' | 'bytes' | 'header' | 'headerLength' | 'blockOffsets'>> {
  const headerMember = await gzip(Buffer.from(JSON.stringify(header) + '\n'), { level });
  const bytes = Buffer.concat([encodePreamble(headerMember.length), headerMember, ...compressedBlocks]);
  const dataStart = PREAMBLE_BYTES + headerMember.length;
  return {
    id: createHash('sha256').update(bytes).digest('hex'),
    bytes,
    header,
    headerLength: headerMember.length,
    blockOffsets: header.blocks.map((b) => dataStart + b.offset),
  };
}

/**
 * A progress pack (pack-format.ts isProgressPack): no entries, the cursor with the packs it `requires`, and the
 * time the backfill completed when that is what it records.
 */
export async function buildProgressPack(
  meta: Omit<PackMeta, 'kind' | 'replaces'>,
  options: { backfillCompletedAt?: string; level?: number } = {},
): Promise<BuiltPack> {
  const header: PackHeader = {
    format: PACK_FORMAT,
    version: PACK_FORMAT_VERSION,
    kind: 'versions',
    orgId: meta.orgId,
    object: meta.object,
    schemaHash: meta.schemaHash,
    count: 0,
    minSystemModstamp: null,
    maxSystemModstamp: null,
    writtenAt: meta.writtenAt,
    cursor: meta.cursor,
    requires: requiresOf(meta, []),
    ...(options.backfillCompletedAt ? { backfillCompletedAt: options.backfillCompletedAt } : {}),
    blocks: [],
  };
  return {
    ...(await assemblePack(header, [], options.level ?? DEFAULT_PACK_OPTIONS.level)),
    firstLine: 0,
    blocks: [],
  };
}

export async function buildPacks(
  meta: PackMeta,
  lines: readonly PackLine[],
  options: Partial<PackOptions> = {},
): Promise<BuiltPack[]> {
  return buildPacksFrom(meta, lines, (line) => line, options);
}

interface OpenPack {
  blocks: Array<{ raw: RawBlock; compressed: Buffer; placed: PlacedBlock }>;
  bytes: number;
}

/** As buildPacks, encoding each item to its line as it goes (encoding overlaps compression). */
export async function buildPacksFrom<T>(
  meta: PackMeta,
  items: readonly T[],
  toLine: (item: T) => PackLine,
  options: Partial<PackOptions> = {},
  hooks: PackHooks = {},
): Promise<BuiltPack[]> {
  const opts = { ...DEFAULT_PACK_OPTIONS, ...options };
  if (items.length === 0) return [];
  const gzipOptions = { level: opts.level, memLevel: 9 };
  const packs: BuiltPack[] = [];
  let open: OpenPack = { blocks: [], bytes: 0 };

  const closePack = async (isLast: boolean): Promise<void> => {
    const blocks: PackBlock[] = [];
    let offset = 0;
    let minSystemModstamp: string | null = null;
    let maxSystemModstamp: string | null = null;
    for (const { raw, compressed } of open.blocks) {
      blocks.push({
        offset,
        length: compressed.length,
        count: raw.offsets.length,
        rawLength: raw.rawLength,
      });
      offset += compressed.length;
      if (minSystemModstamp === null || raw.minStamp < minSystemModstamp) minSystemModstamp = raw.minStamp;
      if (maxSystemModstamp === null || raw.maxStamp > maxSystemModstamp) maxSystemModstamp = raw.maxStamp;
    }
    const header: PackHeader = {
      format: PACK_FORMAT,
      version: PACK_FORMAT_VERSION,
      kind: meta.kind,
      orgId: meta.orgId,
      object: meta.object,
      schemaHash: meta.schemaHash,
      count: blocks.reduce((n, b) => n + b.count, 0),
      minSystemModstamp,
      maxSystemModstamp,
      writtenAt: meta.writtenAt,
      cursor: isLast ? meta.cursor : null,
      // A cursor is only true when every pack of its batch is present: rebuild-index checks these.
      requires: isLast ? requiresOf(meta, packs) : [],
      ...(meta.replaces ? { replaces: meta.replaces } : {}),
      blocks,
    };
    const pack: BuiltPack = {
      ...(await assemblePack(
        header,
        open.blocks.map((b) => b.compressed),
        opts.level,
      )),
      firstLine: open.blocks[0]!.raw.firstLine,
      blocks: open.blocks.map((b) => b.placed),
    };
    packs.push(pack);
    hooks.onPack?.(pack);
    open = { blocks: [], bytes: 0 };
  };

  const place = async (raw: RawBlock, compressing: Promise<CompressedBlock>) => {
    const { compressed, checksums } = await compressing;
    if (open.blocks.length > 0 && open.bytes + compressed.length > opts.maxPackBytes) await closePack(false);
    const placed: PlacedBlock = {
      packIndex: packs.length,
      block: open.blocks.length,
      firstLine: raw.firstLine,
      offsets: raw.offsets,
      lengths: raw.lengths,
      checksums,
    };
    open.blocks.push({ raw, compressed, placed });
    open.bytes += compressed.length;
    await hooks.onBlock?.(placed);
  };

  const ahead: Array<[RawBlock, Promise<CompressedBlock>]> = [];
  for (const raw of cutBlocks(items, toLine, opts.blockRawBytes)) {
    const compressing = compressBlock(raw.raw, raw.offsets, raw.lengths, gzipOptions);
    compressing.catch(() => {}); // awaited in order by place(); never an unhandled rejection meanwhile
    ahead.push([raw, compressing]);
    if (ahead.length >= BLOCKS_AHEAD) await place(...ahead.shift()!);
  }
  for (const next of ahead) await place(...next);
  await closePack(true);
  return packs;
}
