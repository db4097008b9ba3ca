import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { classifyError, CommitOutcomeUnknown, PermanentError, TimeoutError } from '@ucsc/shared';

/** What a consumer does with each error it meets (shared/src/bus/errors.ts): the cases seen in chaos runs among them. */
describe('classifyError', () => {
  const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
  const protocol = (type: string, retriable: boolean) => new KafkaJSProtocolError({ message: type, type, code: 0, retriable } as never);
  const cases: [string, unknown, 'permanent' | 'transient' | 'fatal'][] = [
    ['a handler refusing a record', new PermanentError('refers to nothing', 'unknown_incident'), 'permanent'],
    ['our own timeout', new TimeoutError('publishing took longer than 8000 ms'), 'transient'],
    ['Kafka unreachable', new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:19092'), 'transient'],
    ['kafkajs retries exhausted', new KafkaJSNumberOfRetriesExceeded(new Error('Request Produce timed out'), { retryCount: 5, retryTime: 3000 }), 'transient'],
    ['a broker away (a plain Error from kafkajs)', new Error('Broker not connected'), 'transient'],
    ['no group coordinator while a broker is away', Object.assign(new KafkaJSNonRetriableError('Failed to find group coordinator'), { name: 'KafkaJSGroupCoordinatorNotFound' }), 'transient'],
    ['a retriable broker answer', protocol('NOT_COORDINATOR', true), 'transient'],
    ['Redis refused', withCode('connect ECONNREFUSED 127.0.0.1:16379', 'ECONNREFUSED'), 'transient'],
    ['Redis loading its AOF', new Error('LOADING Redis is loading the dataset in memory'), 'transient'],
    ['Redis gone under a pipeline', Object.assign(new Error('Command aborted due to connection close'), { name: 'AbortError' }), 'transient'],
    ['ioredis out of retries', Object.assign(new Error('Reached the max retries per request limit (which is 20).'), { name: 'MaxRetriesPerRequestError' }), 'transient'],
    ['a transactional producer fenced by another copy', protocol('PRODUCER_FENCED', false), 'fatal'],
    ['a record the broker will not take', protocol('MESSAGE_TOO_LARGE', false), 'fatal'],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')"), 'fatal'],
    ['a commit whose outcome is unknown', new CommitOutcomeUnknown(new KafkaJSConnectionError('Connection timeout')), 'fatal'],
    ['not even an Error', 'oops', 'fatal'],
  ];
  it.each(cases)('%s', (_what, error, expected) => {
    expect(classifyError(error)).toBe(expected);
  });
});
