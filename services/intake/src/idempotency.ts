import { randomUUID } from 'node:crypto';
import { redisScript, type Redis, type RedisScript } from '@ucsc/shared';

/**
 * What intake remembers about one submission, in Redis so that every copy of intake, and a copy
 * restarted after a crash, gives the same answer to a retry.
 *
 * - `pending`: a copy claimed the submission and is storing it in Kafka. Its lease says until
 *   when; a copy that died leaves a pending record whose lease runs out.
 * - `stored`: Kafka acknowledged it; `response` is what the submitter was told.
 *
 * The record holds the id (incident or follow-up) chosen on the first attempt. Whoever stores the
 * submission, first or on a retry, stores it under that id; so a crash or an unclear failure
 * between Redis and Kafka can at worst send the same event twice, which the projection ignores,
 * and never makes a second incident.
 */
export interface SubmissionRecord {
  id: string;
  state: 'pending' | 'stored';
  /** hash of the content first submitted: a key reused for other content is refused */
  contentHash: string;
  /** when the first attempt was received; the event keeps it whoever stores it */
  receivedAt: string;
  owner: string;
  leaseUntil: number;
  response?: unknown;
}

export type Claim =
  | { outcome: 'claimed'; record: SubmissionRecord; owner: string }
  | { outcome: 'stored'; record: SubmissionRecord }
  | { outcome: 'in_flight'; record: SubmissionRecord };

// Atomic: either the caller becomes the owner (new record, or a pending one whose lease ran out)
// or it learns what is there. KEYS[1] record; ARGV: new record, now (ms), lease (ms), ttl (s), owner.
const claimScript = `
local current = redis.call('GET', KEYS[1])
if not current then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4])
  return {'claimed', ARGV[1]}
end
local record = cjson.decode(current)
if record.state == 'pending' and tonumber(record.leaseUntil) <= tonumber(ARGV[2]) then
  record.owner = ARGV[5]
  record.leaseUntil = tonumber(ARGV[2]) + tonumber(ARGV[3])
  local taken = cjson.encode(record)
  redis.call('SET', KEYS[1], taken, 'KEEPTTL')
  return {'claimed', taken}
end
return {record.state, current}
`;

// KEYS[1] record, KEYS[2] (optional) a receipt to write with it; ARGV: owner, response JSON,
// receipt, receipt TTL (s). Only the owner completes; a completed record stays. The receipt is
// written either way: Kafka has the submission whoever completes it.
const completeScript = `
if #KEYS > 1 then redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[4]) end
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local record = cjson.decode(current)
if record.owner ~= ARGV[1] then return 0 end
record.state = 'stored'
record.response = cjson.decode(ARGV[2])
redis.call('SET', KEYS[1], cjson.encode(record), 'KEEPTTL')
return 1
`;

// KEYS[1] record; ARGV: owner. The lease ends now, so the next retry stores it under the same id.
const releaseScript = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local record = cjson.decode(current)
if record.owner ~= ARGV[1] or record.state ~= 'pending' then return 0 end
record.leaseUntil = 0
redis.call('SET', KEYS[1], cjson.encode(record), 'KEEPTTL')
return 1
`;

export class SubmissionLedger {
  private readonly scripts: { claim: RedisScript; complete: RedisScript; release: RedisScript };

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly windowSeconds: number,
    /** longer than a publish may take, so a live owner never loses its lease */
    private readonly leaseMs: number,
  ) {
    this.scripts = {
      claim: redisScript(redis, 'ucscIntakeClaim', claimScript, 1),
      // the number of keys is given with each call (a receipt or not)
      complete: redisScript(redis, 'ucscIntakeComplete', completeScript),
      release: redisScript(redis, 'ucscIntakeRelease', releaseScript, 1),
    };
  }

  key(scope: string, id: string): string {
    return `${this.prefix}intake:submission:${scope}:${id}`;
  }

  async claim(key: string, candidate: { id: string; contentHash: string; receivedAt: string }): Promise<Claim> {
    const owner = randomUUID();
    const now = Date.now();
    const fresh: SubmissionRecord = { ...candidate, state: 'pending', owner, leaseUntil: now + this.leaseMs };
    const [outcome, raw] = (await this.scripts.claim(
      key,
      JSON.stringify(fresh),
      String(now),
      String(this.leaseMs),
      String(this.windowSeconds),
      owner,
    )) as [string, string];
    const record = JSON.parse(raw) as SubmissionRecord;
    if (outcome === 'claimed') return { outcome, record, owner };
    return { outcome: outcome === 'stored' ? 'stored' : 'in_flight', record };
  }

  /**
   * Claims, and when another attempt is storing the same submission right now, waits for it (a
   * double click, or two copies of intake given the same retry) until it is stored, or its lease
   * runs out and this attempt takes over.
   */
  async claimOrWait(key: string, candidate: { id: string; contentHash: string; receivedAt: string }, maxWaitMs: number): Promise<Claim> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const claim = await this.claim(key, candidate);
      if (claim.outcome !== 'in_flight' || Date.now() >= deadline) return claim;
      const wait = Math.min(50, Math.max(1, claim.record.leaseUntil - Date.now()));
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** Records the answer given; a receipt (key, value, TTL) is written in the same step. */
  async complete(key: string, owner: string, response: unknown, receipt?: { key: string; value: string; ttlSeconds: number }): Promise<boolean> {
    const result = receipt
      ? await this.scripts.complete(2, key, receipt.key, owner, JSON.stringify(response), receipt.value, receipt.ttlSeconds)
      : await this.scripts.complete(1, key, owner, JSON.stringify(response));
    return result === 1;
  }

  async release(key: string, owner: string): Promise<void> {
    await this.scripts.release(key, owner);
  }
}
