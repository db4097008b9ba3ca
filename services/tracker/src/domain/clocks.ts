// The clocks' rules live in shared/src/clocks.ts: the sweeper here fires them, the board shows them.
export {
  addMinutes,
  deadlineKinds,
  deadlinesOf,
  defaultResponsePolicy,
  dueNow,
  endOfLegalPeriod,
  legalWindows,
  responseTimesOf,
  systemClock,
  vietnamTimeZone,
  type Clock,
  type Deadline,
  type DeadlineKind,
} from '@ucsc/shared';
