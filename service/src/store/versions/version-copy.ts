/**
 * Version index rows in PostgreSQL's binary COPY format (PostgreSQL docs, "COPY — Binary Format"):
 * a signature and flags, then per row a 16-bit field count and each field as a 32-bit length plus
 * its bytes in network order, and a -1 trailer. Binary rows spare the server the text parsing of
 * timestamps and bytea, the bulk of its per-row cost on the write path.
 */
import type { Writable } from 'node:stream';

export const VERSION_COLUMNS =
  'object_key, record_id, system_modstamp, deleted, pack_key, block, entry_offset, entry_length, hash';

export const VERSION_COPY_SQL = `COPY versions (${VERSION_COLUMNS}) FROM STDIN (FORMAT binary)`;

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** timestamptz travels as microseconds since 2000-01-01T00:00:00Z. */
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const TWO_32 = 2 ** 32;

/** Signature, flags (none) and header extension length (none). */
export function copyPreamble(): Buffer {
  const out = Buffer.alloc(SIGNATURE.length + 8);
  SIGNATURE.copy(out, 0);
  return out;
}

export function copyTrailer(): Buffer {
  const out = Buffer.alloc(2);
  out.writeInt16BE(-1, 0);
  return out;
}

/** One version row to encode: ids and times are already validated (18 ASCII characters, canonical UTC). */
export interface VersionCopyRow {
  id: string;
  systemModstamp: string;
  deleted: boolean;
}

const FIELDS = 9;
/** Bytes of one row apart from the record id's and the hash's own bytes. */
const ROW_FIXED = 2 + FIELDS * 4 + 4 + 8 + 1 + 4 * 4;

/** Every field of a row but the hash; returns the offset of the hash field. */
function writeRowFields(
  out: Buffer,
  o: number,
  objectKey: number,
  packKey: number,
  row: VersionCopyRow,
  block: number,
  offset: number,
  length: number,
): number {
  o = out.writeInt16BE(FIELDS, o);
  o = out.writeInt32BE(4, o);
  o = out.writeInt32BE(objectKey, o);
  o = out.writeInt32BE(18, o);
  o += out.write(row.id, o, 18, 'latin1');
  o = writeTimestamp(out, o, row.systemModstamp);
  o = out.writeInt32BE(1, o);
  out[o++] = row.deleted ? 1 : 0;
  o = out.writeInt32BE(4, o);
  o = out.writeInt32BE(packKey, o);
  o = out.writeInt32BE(4, o);
  o = out.writeInt32BE(block, o);
  o = out.writeInt32BE(4, o);
  o = out.writeInt32BE(offset, o);
  o = out.writeInt32BE(4, o);
  return out.writeInt32BE(length, o);
}

/**
 * Rows of one block of one pack: `rows[first + j]` is at `offsets[j]`/`lengths[j]` in the block, with
 * the 4-byte check `checksums[j]`.
 */
export function encodeBlockRows(
  objectKey: number,
  packKey: number,
  block: number,
  rows: readonly VersionCopyRow[],
  first: number,
  offsets: readonly number[],
  lengths: readonly number[],
  checksums: Uint32Array,
): Buffer {
  const out = Buffer.allocUnsafe(offsets.length * (ROW_FIXED + 18 + 4));
  let o = 0;
  for (let j = 0; j < offsets.length; j++) {
    o = writeRowFields(out, o, objectKey, packKey, rows[first + j]!, block, offsets[j]!, lengths[j]!);
    o = out.writeInt32BE(4, o);
    o = out.writeUInt32BE(checksums[j]!, o);
  }
  return out.subarray(0, o);
}

/** Rows whose hash is any byte string (rebuilt or adopted packs may carry older 32-byte hashes). */
export function encodeRows(
  objectKey: number,
  packKey: number,
  rows: ReadonlyArray<VersionCopyRow & { block: number; offset: number; length: number; hash: Buffer }>,
): Buffer {
  let size = 0;
  for (const row of rows) size += ROW_FIXED + 18 + row.hash.length;
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const row of rows) {
    o = writeRowFields(out, o, objectKey, packKey, row, row.block, row.offset, row.length);
    o = out.writeInt32BE(row.hash.length, o);
    o += row.hash.copy(out, o);
  }
  return out;
}

/** A canonical UTC time as an 8-byte field: micros since 2000 (< 2^53, so exact in a double). */
function writeTimestamp(out: Buffer, o: number, iso: string): number {
  const micros = (Date.parse(iso) - PG_EPOCH_MS) * 1000;
  const high = Math.floor(micros / TWO_32);
  o = out.writeInt32BE(8, o);
  o = out.writeInt32BE(high, o);
  return out.writeUInt32BE(micros - high * TWO_32, o);
}

/** Writes to a COPY stream, waiting for it to drain when its buffer is full. */
export async function writeCopy(stream: Writable, chunk: Buffer): Promise<void> {
  if (stream.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      stream.off('drain', onDrain);
      stream.off('error', done);
      stream.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('COPY stream closed'));
    stream.once('drain', onDrain);
    stream.once('error', done);
    stream.once('close', onClose);
  });
}
