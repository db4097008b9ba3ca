import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// patches/kafkajs+2.2.4.patch: kafkajs computes each record batch's CRC-32C with @node-rs/crc32
// (native) when it is installed, and with its own JavaScript otherwise; both must give the
// checksum the broker checks, or every produce request would be refused
const load = createRequire(__filename);
const kafkajsCrc = load('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;
const javascriptCrc = load('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (b: Buffer) => number;

describe('the CRC-32C of record batches', () => {
  it('is the standard check value (RFC 3720) and equals kafkajs’s own JavaScript on batch-sized input', () => {
    expect(kafkajsCrc(Buffer.from('123456789'))).toBe(0xe3069283);
    const batch = Buffer.from(Array.from({ length: 40_000 }, (_, i) => (i * 31 + 7) & 0xff));
    expect(kafkajsCrc(batch)).toBe(javascriptCrc(batch) >>> 0);
  });

  it('uses the native implementation (the patch is applied and @node-rs/crc32 installed)', () => {
    const { crc32c } = load('@node-rs/crc32') as { crc32c: (b: Buffer) => number };
    const input = Buffer.from('báo cáo sự cố ban đầu');
    expect(kafkajsCrc(input)).toBe(crc32c(input) >>> 0);
    expect(readFileSync(load.resolve('kafkajs/src/protocol/recordBatch/crc32C/index.js'), 'utf8')).toContain('@node-rs/crc32');
  });
});
