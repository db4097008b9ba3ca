import { RateLimiter } from '@ucsc/shared';
import { testRedis, uniqueNames } from '../../test/support';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the failed-authentication counter', () => {
  const redis = testRedis();
  const limiter = new RateLimiter(redis, uniqueNames('ratelimit').redisPrefix);
  afterAll(() => redis.quit());

  it('starts its window at the first failure, so a burst straddling a clock boundary is not counted twice from zero', async () => {
    // begin late in an even clock second's pair, so the 2 s window crosses a multiple of 2 s
    while (Date.now() % 2000 < 1700) await sleep(10);
    const counts = [];
    for (let i = 0; i < 3; i++) counts.push((await limiter.hitCount('straddle', 2)).count);
    await sleep(400); // past the clock's 2 s boundary, still in the window
    counts.push((await limiter.hitCount('straddle', 2)).count);
    expect(counts).toEqual([1, 2, 3, 4]);
    expect(await limiter.exhausted('straddle', 4)).toBeGreaterThanOrEqual(1);
    expect(await limiter.exhausted('straddle', 5)).toBeUndefined();
  });

  it('forgets the failures once the window has passed', async () => {
    for (let i = 0; i < 3; i++) await limiter.hitCount('expires', 1);
    expect(await limiter.exhausted('expires', 3)).toBe(1);
    await sleep(1100);
    expect(await limiter.exhausted('expires', 3)).toBeUndefined();
    expect((await limiter.hitCount('expires', 1)).count).toBe(1);
  });

  it('says how long to wait: the time left in the window', async () => {
    expect(await limiter.hit('wait', 1, 30)).toBeUndefined();
    expect(await limiter.hit('wait', 1, 30)).toBe(30);
  });
});
