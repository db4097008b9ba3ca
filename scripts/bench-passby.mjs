// node scripts/bench-passby.mjs — what dispatch's pass-by saves: its own decision records (made by
// the pure decision over the demo directory, as the consumer reads them back on the events topic),
// each parsed and validated as runConsumer did before (parseMessage), beside the check that now
// passes them by (typeFilter), in the same process, three rounds. No Kafka or Redis.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { root } from './lib.mjs';

const require = createRequire(import.meta.url);
const shared = require(join(root, 'shared/dist/index.js'));
const dispatch = require(join(root, 'services/dispatch/dist/index.js'));
const demo = shared.loadDirectoryFiles();
const directory = dispatch.indexDirectory(demo);
const loads = { forPool: (pool) => ({ open: new Float64Array(pool.length), last: new Float64Array(pool.length) }), openAssignments: () => 0 };
const policy = { enterprisesPerIncident: 1, enterprisesPerSevereIncident: 2, acceptanceWindowMs: 1_800_000 };
const actor = { kind: 'service', id: 'dispatch', authenticatedBy: 'service' };
const records = [];
const cats = ['malware', 'phishing', 'dos', 'intrusion', 'ransomware'];
for (let i = 0; i < 2000; i++) {
  const unit = demo.units[i % demo.units.length];
  const r = { incidentId: `01KBENCH${String(i).padStart(18, '0')}`, province: { code: unit.code, name: unit.name, filedAs: unit.shortName }, reportingOrganisation: { name: 'Sở Y tế' }, title: 't', description: 'd', detectedAt: '2026-11-20T02:10:00.000Z', reportedAt: '2026-11-20T03:00:00.000Z', tlp: 'AMBER', category: cats[i % 5], protectionLevel: 3 };
  const effects = dispatch.onReported(directory, loads, r, new Date('2026-11-20T03:00:00.000Z'), policy);
  for (const d of effects.events) {
    const rec = shared.toRecord(shared.makeEnvelope(d.type, d.payload, { producedBy: 'dispatch', actor }));
    records.push({ value: Buffer.from(rec.value), headers: { type: Buffer.from(rec.headers.type) }, offset: '0' });
  }
}
const handles = ['incident.reported', 'incident.assignment_declined', 'incident.assignment_timed_out', 'incident.assignment_accepted', 'incident.override_routing'];
const filter = shared.typeFilter(['incidentEvents', 'routingCommands'], handles);
const bytes = records.reduce((n, r) => n + r.value.length, 0);
for (let round = 0; round < 3; round++) {
  let t = process.cpuUsage(); let ok = 0;
  for (const r of records) if (shared.parseMessage('incidentEvents', r.value).ok) ok++;
  const parse = process.cpuUsage(t); t = process.cpuUsage(); let skipped = 0;
  for (let k = 0; k < 10; k++) for (const r of records) if (filter(r, 'incidentEvents')) skipped++;
  const pass = process.cpuUsage(t);
  const us = (c, n) => ((c.user + c.system) / n).toFixed(2);
  console.log(`${records.length} decision records (${(bytes / records.length).toFixed(0)} bytes each, ${(records.length / 2000).toFixed(1)} per report): parse+validate ${us(parse, records.length)} µs each (${ok} valid); pass-by check ${us(pass, records.length * 10)} µs each (${skipped / 10} passed by)`);
}
