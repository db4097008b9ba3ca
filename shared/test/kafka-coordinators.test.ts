import { createRequire } from 'node:module';

// patches/kafkajs+2.2.4.patch: a transactional producer looks its transaction coordinator and its
// consumer group's coordinator up once and keeps them until a request to one fails, instead of a
// FindCoordinator round trip before each AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and
// EndTxn (four of a transaction's ten requests). Driven here through kafkajs's own transaction
// manager with a cluster that records every request, so that the failures can be made to happen.
const load = createRequire(__filename);
const createEosManager = load('kafkajs/src/producer/eosManager/index.js') as (options: object) => EosManager;

interface EosManager {
  initProducerId(): Promise<void>;
  beginTransaction(): void;
  addPartitionsToTransaction(topicData: { topic: string; partitions: { partition: number }[] }[]): Promise<void>;
  sendOffsets(request: { consumerGroupId: string; topics: { topic: string; partitions: { partition: number; offset: string }[] }[] }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A cluster of brokers `a`, `b`…: `coordinator` names the one FindCoordinator answers with; `failNext` makes that broker's next requests of a kind fail (once each error queued). */
function fakeCluster() {
  const requests: string[] = [];
  const failNext = new Map<string, Error[]>();
  let coordinator = 'a';
  const broker = (name: string) => {
    const call = (api: string, answer: object = {}) => async () => {
      requests.push(`${api}@${name}`);
      const error = failNext.get(`${api}@${name}`)?.shift();
      if (error) throw error;
      return answer;
    };
    return {
      initProducerId: call('InitProducerId', { producerId: 7, producerEpoch: 0 }),
      addPartitionsToTxn: call('AddPartitionsToTxn'),
      addOffsetsToTxn: call('AddOffsetsToTxn'),
      txnOffsetCommit: call('TxnOffsetCommit'),
      endTxn: call('EndTxn'),
    };
  };
  const brokers = new Map(['a', 'b'].map((name) => [name, broker(name)]));
  const cluster = {
    retry: { retries: 2, initialRetryTime: 1, maxRetryTime: 5 },
    refreshMetadataIfNecessary: async () => undefined,
    findGroupCoordinator: async ({ coordinatorType }: { coordinatorType: number }) => {
      requests.push(`FindCoordinator(${coordinatorType === 1 ? 'transaction' : 'group'})`);
      return brokers.get(coordinator);
    },
  };
  return { cluster, requests, failNext, moveCoordinator: (to: string) => void (coordinator = to) };
}

const notCoordinator = () => Object.assign(new Error('This is not the correct coordinator'), { type: 'NOT_COORDINATOR' });
const concurrent = () => Object.assign(new Error('The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing'), { type: 'CONCURRENT_TRANSACTIONS' });

async function transaction(eos: EosManager, partition: number): Promise<void> {
  eos.beginTransaction();
  await eos.addPartitionsToTransaction([{ topic: 'out', partitions: [{ partition }] }]);
  await eos.sendOffsets({ consumerGroupId: 'group', topics: [{ topic: 'in', partitions: [{ partition, offset: '10' }] }] });
  await eos.commit();
}

describe('a transactional producer’s coordinators', () => {
  it('are looked up once for many transactions, not before every request', async () => {
    const { cluster, requests } = fakeCluster();
    const eos = createEosManager({ logger: silent, cluster, transactional: true, transactionalId: 'dispatch-0' });
    await eos.initProducerId();
    for (let i = 0; i < 5; i += 1) await transaction(eos, i);
    expect(requests.filter((r) => r.startsWith('FindCoordinator'))).toEqual(['FindCoordinator(transaction)', 'FindCoordinator(group)']);
    expect(requests.filter((r) => r.startsWith('EndTxn'))).toHaveLength(5);
    expect(requests.filter((r) => r.startsWith('TxnOffsetCommit'))).toHaveLength(5);
  });

  it('are looked up again after a request to one fails, and the next transaction goes to where they moved', async () => {
    const { cluster, requests, failNext, moveCoordinator } = fakeCluster();
    const eos = createEosManager({ logger: silent, cluster, transactional: true, transactionalId: 'dispatch-0' });
    await eos.initProducerId();
    await transaction(eos, 0);
    // both coordinators move to broker b; a's next requests fail as a broker that lost them answers
    moveCoordinator('b');
    failNext.set('AddPartitionsToTxn@a', [notCoordinator()]);
    failNext.set('TxnOffsetCommit@a', [notCoordinator()]);
    eos.beginTransaction();
    await expect(eos.addPartitionsToTransaction([{ topic: 'out', partitions: [{ partition: 1 }] }])).rejects.toThrow('not the correct coordinator');
    await eos.abort();
    requests.length = 0;
    await transaction(eos, 1);
    // the group coordinator's failure is met inside sendOffsets, which looks it up again and tries again
    expect(requests).toContain('TxnOffsetCommit@a');
    expect(requests.filter((r) => /@a$/.test(r) && r !== 'TxnOffsetCommit@a')).toEqual([]);
    expect(requests).toEqual(expect.arrayContaining(['AddPartitionsToTxn@b', 'AddOffsetsToTxn@b', 'TxnOffsetCommit@b', 'EndTxn@b']));
    requests.length = 0;
    await transaction(eos, 2);
    expect(requests.filter((r) => r.startsWith('FindCoordinator'))).toEqual([]);
  });

  it('are asked again at once while they still finish the previous transaction (CONCURRENT_TRANSACTIONS), not after the producer’s retry wait', async () => {
    const { cluster, requests, failNext } = fakeCluster();
    cluster.retry = { retries: 0, initialRetryTime: 1, maxRetryTime: 5 }; // only the quick tries can make it pass
    const eos = createEosManager({ logger: silent, cluster, transactional: true, transactionalId: 'dispatch-0' });
    await eos.initProducerId();
    failNext.set('AddPartitionsToTxn@a', [concurrent(), concurrent()]);
    failNext.set('AddOffsetsToTxn@a', [concurrent()]);
    await transaction(eos, 0);
    expect(requests.filter((r) => r === 'AddPartitionsToTxn@a')).toHaveLength(3);
    expect(requests.filter((r) => r === 'AddOffsetsToTxn@a')).toHaveLength(2);
    // not a coordinator's failure: it is kept
    expect(requests.filter((r) => r.startsWith('FindCoordinator'))).toEqual(['FindCoordinator(transaction)', 'FindCoordinator(group)']);
    // one that never finishes is, in the end, the producer's error as before
    failNext.set('AddPartitionsToTxn@a', Array.from({ length: 20 }, concurrent));
    eos.beginTransaction();
    await expect(eos.addPartitionsToTransaction([{ topic: 'out', partitions: [{ partition: 1 }] }])).rejects.toThrow('another concurrent operation');
  });
});
