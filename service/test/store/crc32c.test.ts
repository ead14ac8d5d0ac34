import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CRC32C } from '@google-cloud/storage';
import { crc32cBase64Of, crc32cToBase64, NativeCrc32c } from '../../src/store/blob/crc32c.js';

describe('native CRC32C for the GCS client', () => {
  test('known values: the iSCSI check value and the GCS documentation example', () => {
    assert.equal(crc32cToBase64(0xe3069283), crc32cBase64Of(Buffer.from('123456789')));
    assert.equal(crc32cBase64Of(Buffer.from('data')), 'rth90Q==');
    assert.equal(crc32cBase64Of(Buffer.alloc(0)), 'AAAAAA==');
  });

  test('fed in pieces it equals the client’s own implementation on the whole', () => {
    const data = randomBytes(300_001);
    const reference = new CRC32C();
    reference.update(data);
    const native = new NativeCrc32c();
    for (let i = 0; i < data.length; i += 65_536) native.update(data.subarray(i, i + 65_536));
    assert.equal(native.toString(), reference.toString());
    assert.equal(native.validate(reference.toString()), true);
    assert.equal(native.validate(crc32cBase64Of(Buffer.from('other'))), false);
  });
});
