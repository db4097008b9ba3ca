import { logLevel } from 'kafkajs';
import { kafkaLogLevel } from '@ucsc/shared';

describe('kafkajs log entries through pino', () => {
  it('keeps each entry at its own level', () => {
    expect(kafkaLogLevel('Producer', logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:19092')).toBe('error');
    expect(kafkaLogLevel('Connection', logLevel.ERROR, 'The broker received an out of order sequence number')).toBe('error');
    expect(kafkaLogLevel('Consumer', logLevel.WARN, undefined)).toBe('warn');
    expect(kafkaLogLevel('Consumer', logLevel.INFO, undefined)).toBe('info');
  });

  it('notes a broker answer that kafkajs retries by itself (a broker starting, a leader election) as a warning', () => {
    for (const answer of [
      "The coordinator is loading and hence can't process requests for this group",
      'The group coordinator is not available',
      'There is no leader for this topic-partition as we are in the middle of a leadership election',
      'This server is not the leader for that topic-partition',
    ]) {
      expect(kafkaLogLevel('Connection', logLevel.ERROR, answer)).toBe('warn');
    }
  });
});
