import type { FastifyInstance } from 'fastify';
import { loadConfig, readIncident, renderTimelineEntry, type IncidentView } from '@ucsc/shared';
import { buildApp as buildTracker, deadlineSweeper, trackerConfigSchema } from '@ucsc/tracker';
import { bearer, collectIncidentEvents, sampleReport, sessionToken, testLogger, testRedis, waitFor } from './support';
import { postJson, startSystem, type TestSystem } from './support/system';

// Issue 12's clocks on the real Kafka and Redis: deadlines kept in Redis (from the log), fired by
// node-cron sweeps under a Redis lock, once each, late rather than never; the clock is injected.
describe('deadlines, sweeps and the escalation ladder', () => {
  let system: TestSystem;
  let events: Awaited<ReturnType<typeof collectIncidentEvents>>;
  let submitter: Record<string, string>;
  const redis = testRedis();
  const trackers: FastifyInstance[] = [];
  const hour = 3_600_000;

  beforeAll(async () => {
    // the system's own tracker projects and decides, but does not sweep: each test brings its copies
    system = await startSystem('clocks', { SWEEP_ENABLED: 'false' });
    submitter = bearer(await sessionToken(system.names.redisPrefix, 'hanoi.baocao'));
    events = await collectIncidentEvents(system.names.prefix);
  });
  afterAll(async () => {
    await Promise.all(trackers.map((t) => t.close()));
    await events?.stop();
    await system?.close();
    redis.disconnect();
  });

  /** Another copy of the tracker, with its own clock (and sweeping on a schedule when given one). */
  async function tracker(instance: string, clock: () => Date, schedule?: string): Promise<FastifyInstance> {
    const env = { ...system.names.env, SERVICE_INSTANCE: instance, SWEEP_ENABLED: schedule ? 'true' : 'false', ...(schedule ? { SWEEP_SCHEDULE: schedule } : {}) };
    const app = await buildTracker(loadConfig(trackerConfigSchema, env), { logger: testLogger, now: clock });
    trackers.push(app);
    return app;
  }
  async function stop(app: FastifyInstance) {
    trackers.splice(trackers.indexOf(app), 1);
    await app.close();
  }

  async function reported(): Promise<IncidentView> {
    const posted = await postJson(`${system.intakeUrl}/api/v1/reports`, sampleReport(), submitter);
    expect(posted.status).toBe(202);
    const id: string = posted.json.incidentId;
    return waitFor('routed', async () => {
      const view = await readIncident(redis, system.names.redisPrefix, id);
      return view?.state === 'routed' ? view : undefined;
    });
  }
  const fired = (id: string) => events.events.filter((e) => e.payload.incidentId === id && ['incident.deadline_reminded', 'incident.deadline_breached', 'incident.escalation_rung_reached'].includes(e.type));
  const names = (id: string) =>
    fired(id).map((e) => (e.type === 'incident.escalation_rung_reached' ? `rung ${e.payload.deadlineKey} ${e.payload.rung}` : `${e.type.split('.')[1]} ${(e.payload as { deadlineKey: string }).deadlineKey}`));
  const deadlineIndex = () => `${system.names.redisPrefix}incidents:deadlines`;

  // two copies of the tracker that sweep on node-cron every second, with one clock the tests move
  let offset = 0;
  const clock = () => new Date(Date.now() + offset);
  let a: FastifyInstance;
  let b: FastifyInstance;
  beforeAll(async () => {
    [a, b] = [await tracker('a', clock, '* * * * * *'), await tracker('b', clock, '* * * * * *')];
  });
  const sweeps = () => deadlineSweeper(a).sweeps + deadlineSweeper(b).sweeps;

  it('keeps each incident’s next deadline in Redis, from the log, and reminds before it is due', async () => {
    const view = await reported();
    const score = Number(await waitFor('the deadline index', async () => redis.zscore(deadlineIndex(), view.id)));
    expect(score).toBeGreaterThan(Date.parse(view.reportedAt));
    offset = score - Date.now() + 1000;
    const reminder = await waitFor('the reminder', () => fired(view.id).find((e) => e.type === 'incident.deadline_reminded'));
    expect(reminder.type === 'incident.deadline_reminded' && reminder.payload.deadlineKey).toBe('acknowledge');
    await waitFor('the reminder on the timeline', async () => (await readIncident(redis, system.names.redisPrefix, view.id))?.timeline.some((t) => t.type === 'incident.deadline_reminded'));
  });

  it('a clock jump forward of a day, with two trackers sweeping: each deadline and each rung fires once; the climb reaches its people', async () => {
    const view = await reported();
    offset = 24 * hour;
    await waitFor('the breaches fired', () => fired(view.id).filter((e) => e.type === 'incident.deadline_breached').length >= 2);
    // several more sweeps, by either copy, after the firing: none fires anything again
    const seen = sweeps();
    await waitFor('four more sweeps', () => sweeps() >= seen + 4);
    const list = names(view.id);
    expect(list).toEqual(expect.arrayContaining(['deadline_breached acknowledge', 'deadline_breached first_progress', 'rung acknowledge 0', 'rung acknowledge 3']));
    expect(new Set(list).size).toBe(list.length);
    expect(fired(view.id).filter((e) => e.type === 'incident.deadline_breached').every((e) => e.type === 'incident.deadline_breached' && e.payload.late)).toBe(true);
    // the rungs are on the incident for the board: whom each reached, late as they were
    const climbing = await waitFor('the climb in the projection', async () => (await readIncident(redis, system.names.redisPrefix, view.id))?.clocks?.climbs.find((c) => c.deadlineKey === 'acknowledge' && c.reached.length === 4));
    const officers = climbing.reached[0]!.recipients!.map((r) => r.id);
    expect(officers.length).toBeGreaterThan(0);
    expect(officers.every((id) => /^lia-01-.*officer$/.test(id))).toBe(true);
    expect(climbing.reached.every((r) => r.late)).toBe(true);
    // both copies sweep, one at a time (which one wins the lock each second is the race's)
    await waitFor('a sweep by each copy', () => deadlineSweeper(a).sweeps > 0 && deadlineSweeper(b).sweeps > 0);
    expect(names(view.id)).toEqual(list);
  });

  it('two sweeps started at the same instant: one holds the lock, the other does nothing', async () => {
    deadlineSweeper(a).stop();
    deadlineSweeper(b).stop();
    try {
      const view = await reported();
      offset = 48 * hour;
      const results = await Promise.all([deadlineSweeper(a).sweep(), deadlineSweeper(b).sweep()]);
      expect(results.filter((r) => r === undefined)).toHaveLength(1);
      expect(results.find((r) => r !== undefined)!.fired.some((e) => e.payload.incidentId === view.id)).toBe(true);
    } finally {
      deadlineSweeper(a).start();
      deadlineSweeper(b).start();
    }
  });

  it('a deadline crossed while no tracker ran fires when one comes back, once, marked late', async () => {
    offset = 0;
    const view = await reported();
    // every copy stops: one is shut down, the other no longer sweeps
    deadlineSweeper(a).stop();
    await stop(b);
    offset = 3 * hour;
    expect(fired(view.id).filter((e) => e.type === 'incident.deadline_breached')).toEqual([]);
    // the alarm: something is overdue and nobody swept it
    const overdue = async () => (await a.inject({ method: 'GET', url: '/api/v1/clocks/overdue' })).json().overdue as number;
    expect(await overdue()).toBeGreaterThan(0);
    const gauge = async () => Number(/^ucsc_deadlines_overdue\{[^}]*\} (\S+)$/m.exec((await a.inject({ method: 'GET', url: '/metrics' })).body)?.[1]);
    expect(await gauge()).toBe(await overdue());
    // a copy comes back, on its schedule
    const back = await tracker('back', clock, '* * * * * *');
    const breach = await waitFor('the breach, late', () => fired(view.id).find((e) => e.type === 'incident.deadline_breached' && e.payload.deadlineKey === 'acknowledge'), 60_000);
    expect(breach.type === 'incident.deadline_breached' && breach.payload.late).toBe(true);
    const seen = deadlineSweeper(back).sweeps;
    await waitFor('three more sweeps', () => deadlineSweeper(back).sweeps >= seen + 3);
    expect(fired(view.id).filter((e) => e.type === 'incident.deadline_breached' && e.payload.deadlineKey === 'acknowledge')).toHaveLength(1);
    expect(await overdue()).toBe(0);
    expect(await gauge()).toBe(0);
    const shown = await waitFor('the breach on the timeline', async () => (await readIncident(redis, system.names.redisPrefix, view.id))?.timeline.find((t) => t.type === 'incident.deadline_breached'));
    expect(renderTimelineEntry(shown, 'vi').summary).toMatch(/Quá hạn: xác nhận tiếp nhận .*ghi nhận muộn/);
  });
});
