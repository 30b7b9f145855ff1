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
    alarmNotifications: undefined,
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

describe('what inspect prints about alarm notifications', () => {
  it('counts delivered and refused ones and shows why a refused one was refused', () => {
    const printed = formatReport({
      ...report(false),
      alarmNotifications: [
        {
          at: '2026-12-06T09:00:00.000Z',
          alarm: 'StringPipeline-request-dlq-not-empty',
          state: 'ALARM',
          topic: 'arn:aws:sns:us-east-1:000000000000:StringPipeline-AlarmsTopic-X',
          delivered: true,
          detail: 'message 1',
        },
        {
          at: '2026-12-06T09:00:01.000Z',
          alarm: 'StringPipeline-ack-dlq-not-empty',
          state: 'ALARM',
          topic: 'arn:aws:sns:us-east-1:000000000000:StringPipeline-AlarmsTopic-X',
          delivered: false,
          detail: 'the topic policy does not allow cloudwatch.amazonaws.com to publish',
        },
      ],
    });
    expect(printed).toContain('Alarm notifications: 1 delivered, 1 refused');
    expect(printed).toContain(
      'StringPipeline-request-dlq-not-empty -> ALARM: delivered to StringPipeline-AlarmsTopic-X (message 1)',
    );
    expect(printed).toContain(
      'StringPipeline-ack-dlq-not-empty -> ALARM: REFUSED: the topic policy does not allow',
    );
  });

  it('points elsewhere on a target whose CloudWatch keeps them', () => {
    expect(formatReport(report(true))).toContain(
      "Alarm notifications: on this target, see each alarm's history in CloudWatch",
    );
  });
});
