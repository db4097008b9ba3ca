import { z } from 'zod';

/**
 * One entry of the audit trail: who (the envelope's actor, with address), did what, to what, and
 * how it ended. Sign-ins, failures, lock-outs, every write request, exports, and account changes
 * (permissions, a rename, a new password: each its own action) and token changes.
 */
export const auditRecordedSchema = z.object({
  action: z.string().min(1),
  outcome: z.enum(['success', 'failure', 'denied']),
  target: z.string().optional(),
  requestId: z.string().optional(),
  status: z.number().int().optional(),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
export type AuditRecorded = z.infer<typeof auditRecordedSchema>;
