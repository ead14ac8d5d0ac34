/**
 * CRC32C through `@node-rs/crc32` (SIMD, ~2 GB/s here) for the GCS client's upload and download
 * checks; the client's built-in JavaScript CRC32C manages ~26 MB/s, a full core for a stream of packs.
 */
import { crc32c } from '@node-rs/crc32';
import type { CRC32CValidator } from '@google-cloud/storage';

/** GCS's form of a CRC32C: the 32-bit value big-endian, base64 (e.g. 'data' → 'rth90Q=='). */
export function crc32cToBase64(value: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes.toString('base64');
}

export function crc32cBase64Of(data: Uint8Array): string {
  return crc32cToBase64(crc32c(data));
}

/** Incremental CRC32C in the shape the GCS client's `crc32cGenerator` option wants. */
export class NativeCrc32c implements CRC32CValidator {
  private state = 0;

  update(data: Buffer): void {
    this.state = crc32c(data, this.state);
  }

  toString(): string {
    return crc32cToBase64(this.state);
  }

  validate(value: string): boolean {
    return value === this.toString();
  }
}

export const nativeCrc32cGenerator = (): CRC32CValidator => new NativeCrc32c();
