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

// the same patch sizes each record's and header's buffer once and takes it unzeroed (kafkajs
// zeroed a 512-byte buffer per header and grew each record by doubling): the bytes on the wire
// must still decode to exactly what was sent, whatever was in the memory before
describe('records encoded by the patched kafkajs', () => {
  const Encoder = load('kafkajs/src/protocol/encoder.js') as new (size?: number) => { buffer: Buffer };
  const Decoder = load('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => unknown;
  const Record = load('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (r: object) => { buffer: Buffer };
  const decodeRecord = load('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as (d: unknown, h: object) => { key: Buffer; value: Buffer; headers: Record<string, Buffer> };

  it('decode to the key, value and headers sent, for small and large values', () => {
    // garbage in the pool the unzeroed buffers come from
    for (let i = 0; i < 50; i += 1) Buffer.allocUnsafe(3000).fill(0xab);
    for (const size of [0, 1, 300, 511, 512, 4_000, 70_000]) {
      const value = Buffer.from('ứng cứu sự cố '.repeat(size).slice(0, size));
      const headers = { type: 'incident.classified', 'content-type': Buffer.from('application/json'), empty: '' };
      const encoded = Record({ key: Buffer.from('01KB0000000000000000000001'), value, headers, offsetDelta: 3, timestampDelta: 12 }).buffer;
      const decoder = new Decoder(encoded) as { readVarInt(): number; readBytes(n: number): Buffer };
      const length = decoder.readVarInt();
      const record = decodeRecord(new Decoder(decoder.readBytes(length)), { firstOffset: '0', firstTimestamp: '0', magicByte: 2, isControlBatch: false, batchContext: {} });
      expect(record.key.toString()).toBe('01KB0000000000000000000001');
      expect(record.value.equals(value)).toBe(true);
      expect(Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, v.toString()]))).toEqual({ type: 'incident.classified', 'content-type': 'application/json', empty: '' });
    }
    expect(new Encoder(10).buffer.length).toBe(0);
  });
});
