import { describe, expect, it } from 'vitest';
import { formatReport, type InspectReport } from '../../ops/inspect';

const dlq = (peeked: InspectReport['queues'][number]['dlq']['peeked']) => ({
  url: 'u',
  visible: peeked.length,
  inFlight: 0,
  peeked,
});

function report(peeksCountAsReceives: boolean): InspectReport {
  const letter = { messageId: 'm-1', receiveCount: 6, body: 'x' };
  return {
    target: 'stack StringPipeline',
    peeksCountAsReceives,
    queues: [
      { queue: 'Request', url: 'u', visible: 0, inFlight: 0, delayed: 0, dlq: dlq([letter]) },
    ],
    failedInvocations: [],
    stranded: { olderThanSeconds: 93, total: 0, invocations: [] },
    functions: [],
    tables: { Requests: {}, Strings: {} },
  };
}

describe('what inspect prints about its peeks', () => {
  it('says, where it is so, that looking received the messages and added to their counts', () => {
    expect(formatReport(report(true))).toContain(
      'Looking at these messages received them: each look adds one to their receive counts',
    );
    expect(formatReport(report(false))).not.toContain('Looking at these messages');
  });
});
