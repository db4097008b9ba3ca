import type { Kafka } from 'kafkajs';
import type { Redis } from '../redis';
import type { Logger } from '../log';
import { replayTopic } from '../bus/replay';
import { parseMessage } from '../contracts/parse';
import { topicName } from '../contracts/topics';
import { IdentityStore } from './store';

/**
 * Rebuilds the accounts and API tokens of the identity store from the identity topic: each record
 * as its latest change has it (a revoked token stays revoked, a disabled account disabled).
 * Sessions are not on the log: after a wiped Redis everyone signs in again.
 */
export async function rebuildIdentity(options: { kafka: Kafka; redis: Redis; prefix: string; redisPrefix: string; logger: Logger }): Promise<{ users: number; tokens: number }> {
  const store = new IdentityStore(options.redis, options.redisPrefix);
  const latestUsers = new Map<string, Parameters<IdentityStore['restore']>[0]>();
  const latestTokens = new Map<string, Parameters<IdentityStore['restore']>[0]>();
  await replayTopic({
    kafka: options.kafka,
    topic: topicName(options.prefix, 'identityEvents'),
    groupPrefix: `${options.prefix}.board.identity-rebuild`,
    apply: async (messages) => {
      for (const message of messages) {
        const parsed = parseMessage('identityEvents', message.value);
        if (!parsed.ok) continue; // unreadable: the owner wrote it, so this is a defect to look at, not to guess at
        const event = parsed.value;
        if (event.type === 'identity.user_put') latestUsers.set(event.payload.user.id, { user: event.payload.user });
        else latestTokens.set(event.payload.token.id, { token: event.payload.token });
      }
    },
  });
  for (const change of [...latestUsers.values(), ...latestTokens.values()]) await store.restore(change);
  options.logger.info({ users: latestUsers.size, tokens: latestTokens.size }, 'identity store rebuilt');
  return { users: latestUsers.size, tokens: latestTokens.size };
}
