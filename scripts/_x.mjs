import { createRequire } from 'node:module';
import zlib from 'node:zlib';
const require = createRequire(import.meta.url);
const dispatch = require('../services/dispatch/dist/index.js');
const shared = require('../shared/dist/index.js');
const demo = shared.loadDirectoryFiles();
const directory = dispatch.indexDirectory(demo);
const cats = Object.keys(shared.incidentCategories);
const loads = { forPool: (pool) => ({ open: new Float64Array(pool.length).map(() => Math.floor(Math.random()*3)), last: new Float64Array(pool.length).map(() => Math.random()) }) };
const parts = [];
for (let i = 0; i < 1850; i++) {
  const unit = demo.units[i % 34];
  const r = { incidentId: shared.newId(), province: { code: unit.code, name: unit.name, filedAs: unit.shortName }, reportingOrganisation: { name: 'Sở Y tế' }, title: 'b', description: 'b', detectedAt: '2026-11-20T02:10:00.000Z', reportedAt: '2026-11-20T03:00:00.000Z', tlp: 'AMBER', category: cats[i % cats.length], protectionLevel: 1 + (i % 5), impacts: i % 10 ? [] : ['service_interruption'], ownerCanHandleAlone: i % 10 !== 0, spreading: false };
  const eff = dispatch.onReported(directory, loads, r, new Date(), { enterprisesPerIncident: 1, enterprisesPerSevereIncident: 2, acceptanceWindowMs: 1800000 });
  for (const e of eff.events) parts.push(shared.envelopeBytes(shared.makeEnvelope(e.type, e.payload, { producedBy: 'dispatch', actor: { kind: 'service', id: 'dispatch', authenticatedBy: 'service' }, causationId: shared.newId(), correlationId: shared.newId() })));
}
const s = Buffer.concat([Buffer.from('['), ...parts.flatMap((p, i) => i ? [Buffer.from(','), p] : [p]), Buffer.from(']')]);
const run = (n, f) => { f(); const t = process.hrtime.bigint(); let o; for (let i = 0; i < 5; i++) o = f(); console.log(n, s.length, o.length, (o.length / s.length).toFixed(3), (Number(process.hrtime.bigint() - t) / 5e6).toFixed(1), 'ms'); return o; };
const d = run('deflateRaw1', () => zlib.deflateRawSync(s, { level: 1 }));
run('inflate', () => zlib.inflateRawSync(d));
const z = run('zstd1', () => zlib.zstdCompressSync(s, { params: { [zlib.constants.ZSTD_c_compressionLevel]: 1 } }));
run('zstd-d', () => zlib.zstdDecompressSync(z));
run('brotli1', () => zlib.brotliCompressSync(s, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } }));
