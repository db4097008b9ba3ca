import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const dispatch = require('../services/dispatch/dist/index.js');
const shared = require('../shared/dist/index.js');
const demo = shared.loadDirectoryFiles();
const directory = dispatch.indexDirectory(demo);
const unit = demo.units[3];
const loads = { forPool: (pool) => ({ open: new Float64Array(pool.length), last: new Float64Array(pool.length) }) };
const r = { incidentId: '01KBENCH000000000000000001', province: { code: unit.code, name: unit.name, filedAs: unit.shortName }, reportingOrganisation: { name: 'Sở Y tế' }, title: 'b', description: 'b', detectedAt: '2026-11-20T02:10:00.000Z', reportedAt: '2026-11-20T03:00:00.000Z', tlp: 'AMBER', category: Object.keys(shared.incidentCategories)[0], protectionLevel: 3, impacts: [], ownerCanHandleAlone: true, spreading: false };
const eff = dispatch.onReported(directory, loads, r, new Date(), { enterprisesPerIncident: 1, enterprisesPerSevereIncident: 2, acceptanceWindowMs: 1800000 });
for (const e of eff.events) { const env = shared.makeEnvelope(e.type, e.payload, { producedBy: 'dispatch', actor: { kind: 'service', id: 'dispatch', authenticatedBy: 'service' } }); console.log(e.type, JSON.stringify(env).length); }
console.log(JSON.stringify(eff.events, null, 1).slice(0, 6000));
