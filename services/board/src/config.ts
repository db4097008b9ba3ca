import { z } from 'zod';
import { accessConfigShape, deadlineConfigShape, identityOwnerConfigShape, baseConfigShape, httpConfigShape } from '@ucsc/shared';

export const boardConfigSchema = z.object({
  ...baseConfigShape,
  ...httpConfigShape,
  ...accessConfigShape,
  ...identityOwnerConfigShape,
  // the same as the tracker's: the incident page shows the deadlines its sweeper fires
  ...deadlineConfigShape,
  PORT: httpConfigShape.PORT.default(3100),
  SNAPSHOT_SIZE: z.coerce.number().int().positive().max(5000).default(500).describe('How many recent incidents GET /api/v1/incidents answers with'),
  WS_MAX_BUFFERED_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(4 * 1024 * 1024)
    .describe('A board client further behind than this is disconnected (it reconnects and resyncs)'),
  INTAKE_PUBLIC_URL: z
    .url()
    .default('http://127.0.0.1:3101')
    .describe('Intake as a browser reaches it: the board links attachment downloads there (the session cookie goes along on the same host)'),
  DISPATCH_PUBLIC_URL: z
    .url()
    .default('http://127.0.0.1:3102')
    .describe('Dispatch as a browser reaches it: the web app reads the directory (a province’s members and liaisons) and imports rosters there'),
  FEED_FLUSH_MS: z.coerce
    .number()
    .int()
    .min(10)
    .max(5000)
    .default(100)
    .describe('Summary clients of the live feed get the incidents that changed (the latest of each) at least this often, in ms: the longest wait between flushes, what a busy board coalesces over'),
  FEED_FLUSH_MIN_MS: z.coerce
    .number()
    .int()
    .min(5)
    .max(5000)
    .default(20)
    .describe('The shortest wait between flushes of the live feed, in ms: each flush is followed by five times its own duration, between this and FEED_FLUSH_MS, so a quiet board sends a change within about this and a busy one spends at most a sixth of its time flushing'),
  FEED_POSITION_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(60_000)
    .default(1000)
    .describe('A feed client the log moved past with nothing for it is told its new position (to resume from) at most this often, in ms; a resume from a position that old reads that much of the log again'),
  FEED_MAX_PENDING: z.coerce
    .number()
    .int()
    .positive()
    .default(5000)
    .describe('A feed client whose socket is full keeps its changes coalesced (the latest per incident) up to this many incidents; beyond, it is closed with 4429 and resumes'),
  FEED_HEARTBEAT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(120_000)
    .default(15_000)
    .describe('The live feed pings each client this often; one not heard from for two of these is closed with 4408'),
  WS_REVALIDATE_SECONDS: z.coerce
    .number()
    .positive()
    .default(30)
    .describe('How often a connected board client’s session or token is checked again (ended ones are disconnected)'),
  DUPLICATE_WINDOW_HOURS: z.coerce.number().positive().max(24 * 90).default(72).describe('Two reports detected this many hours apart or less may be one attack (duplicate suggestions)'),
  COMMAND_REPLY_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(30_000)
    .default(3000)
    .describe('How long a command call waits for the tracker’s decision before answering 202 (pending, read later under the command id)'),
  NOTIFIER_URL: z.url().optional().describe('The notifier as the board reaches it: /api/v1/notifications* is forwarded there (unset: those routes do not exist)'),
});
export type BoardConfig = z.infer<typeof boardConfigSchema>;
