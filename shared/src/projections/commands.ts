import { z } from 'zod';
import { lifecycleStateSchema } from '../contracts/lifecycle';
import { ulidSchema } from '../contracts/common';
import type { Redis } from '../redis';

/**
 * What became of a command, written by the tracker once the outcome is in the incident's
 * projection (so a sender told `applied` reads the change straight after), read by the board,
 * which waits on it keyed by the command id. Kept a day: a retry with the same id is answered
 * from here without sending the command again.
 */
export const commandReplySchema = z.object({
  commandId: ulidSchema,
  incidentId: ulidSchema,
  commandType: z.string(),
  outcome: z.enum(['applied', 'refused']),
  /** 200 applied; 403 not this actor's; 404 unknown incident; 409 not in this state; 422 a rule of the content */
  status: z.union([z.literal(200), z.literal(403), z.literal(404), z.literal(409), z.literal(422)]),
  reason: z.string().optional(),
  /** the incident's state after an applied command, or the state that refused it */
  state: lifecycleStateSchema.optional(),
  /** when refused in a state: the commands that state allows */
  allowed: z.array(z.string()).optional(),
  /** the refusal's name, when more precise than its status (the answer's `error`) */
  code: z.string().optional(),
  /** the events the command led to */
  eventIds: z.array(ulidSchema).optional(),
  /** true: the same command id was decided before; this is that first outcome */
  duplicate: z.boolean().optional(),
  at: z.string(),
});
export type CommandReply = z.infer<typeof commandReplySchema>;

/** How long a command's outcome is kept (and a retried command id answered from it). */
export const commandReplyTtlSeconds = 24 * 3600;

export function commandReplyKeys(prefix: string) {
  return {
    reply: (commandId: string) => `${prefix}command-reply:${commandId}`,
    /** pub/sub channel of CommandReply messages */
    channel: `${prefix}feed:command-replies`,
  };
}

export async function readCommandReply(redis: Redis, prefix: string, commandId: string): Promise<CommandReply | undefined> {
  const raw = await redis.get(commandReplyKeys(prefix).reply(commandId));
  return raw ? (JSON.parse(raw) as CommandReply) : undefined;
}
