/**
 * The pack file format. A pack is plain `application/gzip` made of independent gzip members, so
 * `gunzip` of the whole file yields readable NDJSON, and any one block can be read on its own with
 * a single ranged read:
 *
 *   member 0  preamble: one fixed-width JSON line `{"format":"autobackup-pack","version":1,"headerLength":"0000001234"}`
 *             (a stored, uncompressed gzip member, so its byte length is constant: PREAMBLE_BYTES)
 *   member 1  header: one JSON line (PackHeader) – org, object, kind, schema hash, count,
 *             min/max SystemModstamp, cursor, and the block table
 *   member 2… blocks: NDJSON entry lines, each block gzipped on its own (none in a progress pack)
 *
 * Block offsets in the header are relative to the first byte after the header member
 * (`dataStart = PREAMBLE_BYTES + headerLength`), which keeps the header free of its own size.
 * A pack is named by the SHA-256 of its bytes and never changes.
 */
import { crc32, gunzipSync } from 'node:zlib';

export const PACK_FORMAT = 'autobackup-pack';
export const PACK_FORMAT_VERSION = 1;
export const PACK_CONTENT_TYPE = 'application/gzip';

export type PackKind = 'versions' | 'files';

export interface PackBlock {
  /** Byte offset of the block's gzip member, relative to the end of the header member. */
  offset: number;
  /** Compressed length in bytes. */
  length: number;
  /** Entries in the block. */
  count: number;
  /** Uncompressed length in bytes. */
  rawLength: number;
}

export interface PackCursor {
  systemModstamp: string;
  id: string;
}

export interface PackHeader {
  format: typeof PACK_FORMAT;
  version: typeof PACK_FORMAT_VERSION;
  kind: PackKind;
  orgId: string;
  object: string;
  /** Hash of the describe snapshot the versions were read with (schemas/{object}/{hash}.json.gz), if known. */
  schemaHash: string | null;
  count: number;
  minSystemModstamp: string | null;
  maxSystemModstamp: string | null;
  /** When the pack was written (UTC ISO); counts towards that day's progress. */
  writtenAt: string;
  /** The object's cursor once this pack is indexed (restored by rebuild-index), or null. */
  cursor: PackCursor | null;
  /** Ids of the other packs written in the same batch; the cursor holds only when all of them exist. */
  requires: string[];
  /** Ids of the small packs this one merges (compaction); rebuild-index skips them when this pack is present. */
  replaces?: string[];
  /** When the object's backfill completed (UTC ISO): only in a progress pack (isProgressPack); restored by rebuild-index. */
  backfillCompletedAt?: string;
  blocks: PackBlock[];
}

/**
 * A progress pack holds no entries, only progress the index must not be the only place of: a cursor that moved
 * without new versions (a Bulk window or a pass over parent-id batches stored in several writes, its `requires`
 * naming their packs), or the time the object's backfill completed. Compaction leaves these alone.
 */
export function isProgressPack(header: PackHeader): boolean {
  return header.kind === 'versions' && header.count === 0;
}

const PREAMBLE_WIDTH = 10;

function preambleText(headerLength: number): string {
  return `{"format":"${PACK_FORMAT}","version":${PACK_FORMAT_VERSION},"headerLength":"${String(headerLength).padStart(PREAMBLE_WIDTH, '0')}"}\n`;
}

const PREAMBLE_TEXT_BYTES = Buffer.byteLength(preambleText(0));
/** gzip header (10) + one stored deflate block (5 + data) + trailer (8). */
export const PREAMBLE_BYTES = 10 + 5 + PREAMBLE_TEXT_BYTES + 8;

/** A gzip member holding `data` uncompressed (deflate "stored" block): its size is known in advance. */
function storedGzipMember(data: Buffer): Buffer {
  if (data.length > 0xffff) throw new Error('stored gzip member too large');
  const out = Buffer.alloc(10 + 5 + data.length + 8);
  out.set([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff], 0); // magic, deflate, no flags, mtime 0, unknown OS
  out[10] = 0x01; // BFINAL=1, BTYPE=00 (stored)
  out.writeUInt16LE(data.length, 11);
  out.writeUInt16LE(~data.length & 0xffff, 13);
  data.copy(out, 15);
  out.writeUInt32LE(crc32(data) >>> 0, 15 + data.length);
  out.writeUInt32LE(data.length, 19 + data.length);
  return out;
}

export function encodePreamble(headerLength: number): Buffer {
  if (!Number.isInteger(headerLength) || headerLength < 0 || headerLength >= 10 ** PREAMBLE_WIDTH) {
    throw new Error(`pack header length out of range: ${headerLength}`);
  }
  return storedGzipMember(Buffer.from(preambleText(headerLength)));
}

export class PackFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackFormatError';
  }
}

/** Reads the header length from the first PREAMBLE_BYTES of a pack. */
export function decodePreamble(bytes: Buffer): number {
  if (bytes.length < PREAMBLE_BYTES)
    throw new PackFormatError(`pack preamble truncated (${bytes.length} of ${PREAMBLE_BYTES} bytes)`);
  let text: string;
  try {
    text = gunzipSync(bytes.subarray(0, PREAMBLE_BYTES)).toString('utf8');
  } catch (err) {
    throw new PackFormatError(`not a pack: preamble is not gzip (${(err as Error).message})`);
  }
  let parsed: { format?: unknown; version?: unknown; headerLength?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new PackFormatError('not a pack: preamble is not JSON');
  }
  if (parsed.format !== PACK_FORMAT)
    throw new PackFormatError(`not a pack: format ${JSON.stringify(parsed.format)}`);
  if (parsed.version !== PACK_FORMAT_VERSION)
    throw new PackFormatError(`unsupported pack version ${JSON.stringify(parsed.version)}`);
  const length = Number(parsed.headerLength);
  if (typeof parsed.headerLength !== 'string' || !Number.isInteger(length) || length <= 0) {
    throw new PackFormatError(`bad pack header length ${JSON.stringify(parsed.headerLength)}`);
  }
  return length;
}

export function decodeHeader(member: Buffer): PackHeader {
  let header: PackHeader;
  try {
    header = JSON.parse(gunzipSync(member).toString('utf8')) as PackHeader;
  } catch (err) {
    throw new PackFormatError(`pack header unreadable: ${(err as Error).message}`);
  }
  if (
    header.format !== PACK_FORMAT ||
    header.version !== PACK_FORMAT_VERSION ||
    !Array.isArray(header.blocks)
  ) {
    throw new PackFormatError('pack header is not a pack header');
  }
  return header;
}

/** Absolute byte range [start, end] (inclusive) of a block, given the header member's length. */
export function blockRange(headerLength: number, block: PackBlock): { start: number; end: number } {
  const start = PREAMBLE_BYTES + headerLength + block.offset;
  return { start, end: start + block.length - 1 };
}

/** Splits a pack's bytes into its header and its compressed blocks (checking every length). */
export function parsePack(bytes: Buffer): { header: PackHeader; headerLength: number; blocks: Buffer[] } {
  const headerLength = decodePreamble(bytes);
  if (bytes.length < PREAMBLE_BYTES + headerLength)
    throw new PackFormatError('pack truncated inside its header');
  const header = decodeHeader(bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + headerLength));
  const blocks = header.blocks.map((block) => {
    const { start, end } = blockRange(headerLength, block);
    if (end >= bytes.length)
      throw new PackFormatError(`pack truncated: block at ${start} ends past ${bytes.length} bytes`);
    return bytes.subarray(start, end + 1);
  });
  const last = header.blocks.at(-1);
  const expected = PREAMBLE_BYTES + headerLength + (last ? last.offset + last.length : 0);
  if (expected !== bytes.length)
    throw new PackFormatError(`pack is ${bytes.length} bytes, its header describes ${expected}`);
  return { header, headerLength, blocks };
}

/** The entry lines of one compressed block. */
export function blockLines(compressed: Buffer): Buffer[] {
  const raw = gunzipSync(compressed);
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = raw.indexOf(0x0a); i !== -1; i = raw.indexOf(0x0a, start)) {
    lines.push(raw.subarray(start, i));
    start = i + 1;
  }
  if (start !== raw.length) throw new PackFormatError('pack block does not end with a newline');
  return lines;
}
