import { TimeoutError } from './kafka';

/** An error a handler raises for a message that can never succeed: it is dead-lettered, not retried. */
export class PermanentError extends Error {
  override name = 'PermanentError';
  constructor(
    message: string,
    readonly code = 'rejected',
  ) {
    super(message);
  }
}

// A Kafka or Redis that is down, restarting, electing a leader or busy: waiting and trying again
// succeeds once it is back. kafkajs marks most of these `retriable`; these names cover the rest.
const transientNames = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSGroupCoordinatorNotFound',
  'MaxRetriesPerRequestError',
]);
const transientCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTCONN', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
// Redis answers that mean "not now": a restart loading its AOF, a failover, a busy script
const transientRedisReplies = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|READONLY|MASTERDOWN|NOREPLICAS)\b|Connection is closed|Stream isn't writeable|Command aborted due to connection close|Command timed out/;
// kafkajs says these with a plain Error while a broker is away
const transientKafkaMessages = /^(Broker not connected|Connection timeout|Closed connection)\b/;
// A transactional producer that another copy has replaced: this copy must not go on writing
const fencedTypes = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'INVALID_PRODUCER_ID_MAPPING']);

/** A transactional producer that another copy has replaced (fenced): it may not write again. */
export function isFenced(error: unknown): boolean {
  const e = error as { type?: string; originalError?: unknown; cause?: unknown } | undefined;
  if (!e || typeof e !== 'object') return false;
  if (e.type && fencedTypes.has(e.type)) return true;
  const inner = e.originalError ?? e.cause;
  return inner !== undefined && inner !== error ? isFenced(inner) : false;
}

/**
 * What a consumer should do with an error its batch met: `permanent` (the message can never be
 * processed: dead-letter it and move on), `transient` (try the batch again after a while), or
 * `fatal` (anything else: a bug, a fenced producer; the service must exit and be restarted).
 */
export function classifyError(error: unknown): 'permanent' | 'transient' | 'fatal' {
  if (error instanceof PermanentError) return 'permanent';
  if (error instanceof TimeoutError) return 'transient';
  if (!(error instanceof Error)) return 'fatal';
  const e = error as Error & { retriable?: boolean; type?: string; code?: string; originalError?: unknown; cause?: unknown };
  if (e.type && fencedTypes.has(e.type)) return 'fatal';
  if (e.retriable === true || transientNames.has(e.name)) return 'transient';
  if (e.code && transientCodes.has(e.code)) return 'transient';
  if (transientRedisReplies.test(e.message) || transientKafkaMessages.test(e.message)) return 'transient';
  const inner = e.originalError ?? e.cause;
  return inner && inner !== error ? classifyError(inner) : 'fatal';
}
