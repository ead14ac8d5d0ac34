import { createHash } from 'node:crypto';
import { crc32c } from '@node-rs/crc32';

/** The two checksums GCS keeps for every object, base64 as the JSON API reports them. */
export interface ObjectHashes {
  md5Hash: string;
  crc32c: string;
}

/** CRC32C big-endian, base64, as GCS reports it. */
function crc32cBase64(data: Buffer): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc32c(data) >>> 0);
  return bytes.toString('base64');
}

export function hashesOf(data: Buffer): ObjectHashes {
  return { md5Hash: createHash('md5').update(data).digest('base64'), crc32c: crc32cBase64(data) };
}

/** Parses an `X-Goog-Hash` header (`crc32c=…,md5=…`) into its parts. */
export function parseGoogHash(header: string | undefined): { md5?: string; crc32c?: string } {
  const out: { md5?: string; crc32c?: string } = {};
  if (!header) return out;
  for (const pair of header.split(',')) {
    const at = pair.indexOf('=');
    if (at < 0) continue;
    const kind = pair.slice(0, at).trim().toLowerCase();
    const value = pair.slice(at + 1).trim();
    if (kind === 'md5') out.md5 = value;
    else if (kind === 'crc32c') out.crc32c = value;
  }
  return out;
}

export function formatGoogHash(h: ObjectHashes): string {
  return `crc32c=${h.crc32c},md5=${h.md5Hash}`;
}
