import type { SQSRecord } from 'aws-lambda';
import * as v from 'valibot';
import { InvalidMessageError, MalformedEventError } from './errors';
import { validate } from './messages';

const nonEmpty = v.pipe(v.string(), v.minLength(1, 'must not be empty'));

/**
 * The parts of an SQS record the batch processor reads. Loose: the event source mapping adds
 * fields (md5OfBody, awsRegion, ...) that nothing here needs.
 */
const SqsRecordShape = v.looseObject({
  messageId: nonEmpty,
  body: v.string(),
  eventSourceARN: nonEmpty,
  attributes: v.looseObject({ ApproximateReceiveCount: v.string() }),
});

const SqsEventShape = v.looseObject({ Records: v.array(SqsRecordShape) });

/** Whether `event` claims to be an SQS event (has `Records`), whatever shape the records have. */
export function looksLikeSqsEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && !Array.isArray(event) && 'Records' in event;
}

/**
 * The records of an SQS event, after checking that each has what the batch processor reads.
 * An event source mapping never sends anything else, so a malformed event comes from a direct
 * invoke or a broken test harness: it fails the invocation with a typed error naming the first
 * bad fields, instead of a TypeError from deep inside the batch code.
 *
 * @throws MalformedEventError naming what is missing or wrong (`Records.0.body: ...`)
 */
export function sqsRecordsOf(event: unknown): SQSRecord[] {
  try {
    // Loose schemas keep every field, so the records are the event's, only checked.
    return validate(SqsEventShape, event, 'SQS event').Records as unknown as SQSRecord[];
  } catch (error) {
    if (error instanceof InvalidMessageError) throw new MalformedEventError(error.message);
    throw error;
  }
}
