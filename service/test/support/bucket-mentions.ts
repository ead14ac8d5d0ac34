/**
 * What an erasure test asks of the bucket: which objects name a value (a record id, an e-mail) in clear. Packs are
 * read whole through the store's own pack reader (header and lines); other objects as they are, inflated when gzip.
 */
import { gunzipSync } from 'node:zlib';
import type { BlobStore } from '../../src/store/blob/blob-store.js';
import { parsePackKey } from '../../src/store/packs/pack-keys.js';
import { readWholePack } from '../../src/store/packs/pack-reader.js';

/** The keys under `prefix` whose name or content holds `needle`. */
export async function bucketObjectsMentioning(
  blobs: BlobStore,
  prefix: string,
  needle: string,
): Promise<string[]> {
  const keys: string[] = [];
  for await (const { key } of blobs.list(prefix)) {
    const pack = parsePackKey(key);
    let text: string;
    if (pack) {
      const read = await readWholePack(blobs, key, pack.packId);
      text = [JSON.stringify(read.header), ...read.blocks.flat().map((l) => l.toString('utf8'))].join('\n');
    } else {
      const bytes = await blobs.get(key);
      text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
    }
    if (key.includes(needle) || text.includes(needle)) keys.push(key);
  }
  return keys;
}
