// A load generator process of scripts/system.mjs's Load: submits Biểu mẫu 03 reports to intake,
// as fast as it takes them (flood) or at a steady rate, and sends every accepted report back to
// its parent as [incidentId, provinceCode, acceptedAtMs]. Answers are counted by status; a request
// unanswered after REQUEST_TIMEOUT_MS counts as "hung" (intake must answer 503, never hang).
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { host, reportBody } from './system.mjs';

const requestTimeoutMs = Number(process.env.LOAD_REQUEST_TIMEOUT_MS ?? 15_000);
let settings;
let tokens = [];
let sequence = 0;
let stopping = false;
let accepted = [];
let statuses = {};
let recent = {}; // answers since the last flush, so the parent can tell which happened during a fault
const count = (key) => {
  statuses[key] = (statuses[key] ?? 0) + 1;
  recent[key] = (recent[key] ?? 0) + 1;
};

const agent = new http.Agent({ keepAlive: true, maxSockets: 4096 });

function submit() {
  sequence += 1;
  // bench:board marks every redEvery-th report TLP:RED (seen only by its reporter, national coordinators and current assignees)
  const body = settings.redEvery && sequence % settings.redEvery === 0 ? reportBody(sequence, undefined, 'RED') : reportBody(sequence);
  return new Promise((resolve) => {
    const req = http.request(
      {
        host,
        port: settings.intakePort,
        method: 'POST',
        path: '/api/v1/reports',
        agent,
        timeout: requestTimeoutMs,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'idempotency-key': randomBytes(12).toString('hex'),
          authorization: tokens[sequence % tokens.length] ?? '',
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode === 202) {
            const receipt = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            accepted.push([receipt.incidentId, receipt.province?.code ?? null, Date.now()]); // the bare baseline answers with the id only
            count('202');
          } else if (res.statusCode === 503 && !res.headers['retry-after']) {
            count('503 without Retry-After');
          } else {
            count(String(res.statusCode));
          }
          resolve(res.statusCode);
        });
      },
    );
    req.on('timeout', () => {
      count('hung');
      req.destroy(new Error('timeout'));
    });
    req.on('error', (error) => {
      if (error.message !== 'timeout') count('connection error');
      resolve(0);
    });
    req.end(body);
  });
}

const flush = () => {
  if (accepted.length || Object.keys(recent).length) process.send({ type: 'accepted', accepted, statuses: recent });
  accepted = [];
  recent = {};
};
setInterval(flush, 200).unref();

async function flood(total) {
  let left = total;
  const worker = async () => {
    while (left > 0 && !stopping) {
      left -= 1;
      const status = await submit();
      // a 4xx is the benchmark's own mistake: retrying it would only spin
      if (status >= 400 && status < 500 && status !== 429) return;
      // refused (503, connection lost): the submitter tries again a little later, as a real one does
      if (status !== 202) {
        left += 1;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  await Promise.all(Array.from({ length: settings.connections }, worker));
}

async function steady(perSecond) {
  const started = performance.now();
  const inflight = new Set();
  let sent = 0;
  while (!stopping) {
    const due = started + (sent * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) {
      await new Promise((r) => setTimeout(r, Math.min(wait, 50)));
      continue;
    }
    // with maxInflight (bench:board), a submitter that has that many unanswered waits for one
    if (inflight.size >= (settings.maxInflight ?? Infinity)) {
      await Promise.race(inflight);
      continue;
    }
    sent += 1;
    const p = submit().then(() => inflight.delete(p));
    inflight.add(p);
  }
  await Promise.all(inflight);
}

process.on('message', async (m) => {
  if (m.type === 'setup') {
    settings = m;
    tokens = m.tokens;
    sequence = m.sequenceStart;
  } else if (m.type === 'tokens') {
    tokens = m.tokens;
  } else if (m.type === 'stop') {
    stopping = true;
  } else if (m.type === 'flood' || m.type === 'steady') {
    stopping = false;
    statuses = {};
    if (m.type === 'flood') await flood(m.total);
    else await steady(m.perSecond);
    flush();
    process.send({ type: 'done', statuses });
  }
});
process.on('disconnect', () => process.exit(0));
