/**
 * The per-entry check stored in the index: CRC-32 of the entry's line (4 bytes, big-endian; the
 * polynomial gzip uses, computed by zlib). It
 * catches a block read at the wrong offset, a line cut short and bit rot inside a block, at a
 * fraction of a cryptographic hash's cost on the hot write path (the pack as a whole is still
 * named by its SHA-256, and every gzip member carries its own CRC-32). Index rows written before
 * this check existed hold a SHA-256 (32 bytes); both are accepted when reading.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const ENTRY_HASH_BYTES = 4;

/** CRC-32 of a line as an unsigned 32-bit number. */
export function entryChecksum(line: Uint8Array): number {
  return crc32(line) >>> 0;
}

/** The stored form of a checksum. */
export function entryHashBytes(checksum: number): Buffer {
  const out = Buffer.allocUnsafe(ENTRY_HASH_BYTES);
  out.writeUInt32BE(checksum >>> 0, 0);
  return out;
}

/** The stored hash of a line. */
export function entryHash(line: Buffer): Buffer {
  return entryHashBytes(entryChecksum(line));
}

/** True when `line` matches a stored hash (CRC-32, or the SHA-256 of older index rows). */
export function entryMatches(line: Buffer, stored: Buffer): boolean {
  if (stored.length === ENTRY_HASH_BYTES) return stored.readUInt32BE(0) === entryChecksum(line);
  if (stored.length === 32) return createHash('sha256').update(line).digest().equals(stored);
  return false;
}
