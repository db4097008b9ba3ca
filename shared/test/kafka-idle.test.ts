import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { brokers } from '../../test/support';

// kafkajs 2.2.4 re-armed a 1 ms timer forever on every broker connection with nothing pending
// (tulios/kafkajs#1751, #1704): CPU spent on nothing, and on Node 24+ a TimeoutNegativeWarning on
// every service's stderr. patches/kafkajs+2.2.4.patch (applied on npm install) stops it. A fresh
// process is needed: Node warns once per process.
const idleClient = `
  const { Kafka, logLevel } = require('kafkajs');
  let quickTimers = 0;
  const original = global.setTimeout;
  global.setTimeout = (fn, ms, ...rest) => { if (!(ms > 1)) quickTimers += 1; return original(fn, ms, ...rest); };
  (async () => {
    const admin = new Kafka({ brokers: ${JSON.stringify(brokers)}, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [] });
    quickTimers = 0;
    await new Promise((r) => original(r, 500));
    console.log(JSON.stringify({ quickTimers }));
    await admin.disconnect();
  })();
`;

describe('an idle broker connection', () => {
  it('arms no 1 ms timer and writes no TimeoutNegativeWarning', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['-e', idleClient], { cwd: __dirname, timeout: 30_000 });
    expect(stderr).not.toContain('TimeoutNegativeWarning');
    // unpatched: one per millisecond per connection (~500 here)
    expect(JSON.parse(stdout.trim()).quickTimers).toBeLessThan(20);
  });
});
