/**
 * A queue's messages read without a receive: `GET /_aws/sqs/messages?QueueUrl=URL`, at the path
 * LocalStack gives its SQS developer endpoint. SQS itself can only look at a message by receiving
 * it, which adds one to its receive count, so an inspection tool that looks often would make the
 * counts it shows meaningless (and push source-queue messages towards their DLQ). Local only:
 * the tools use it on the local cloud and receive elsewhere.
 */
import type { PeekedMessage } from '../../sqs/emulator';
import type { RouteHandler } from '../gateway';
import { sendJson, sendJsonError } from '../protocol';

/** Where the route is mounted. */
export const PEEK_PATH = '/_aws/sqs/messages';

/** Messages a peek returns at most, whatever it asks for. */
const MAX_PEEK = 1000;

/**
 * Answers a peek with `{ Messages: [...] }`, each message as ReceiveMessage would give it
 * (`MessageId`, `Body`, `MD5OfBody`, `Attributes` with `ApproximateReceiveCount` and
 * `SentTimestamp`, `MessageAttributes`) but no receipt handle; `MaxNumberOfMessages` (default
 * 10) bounds how many.
 */
export function peekRoute(
  peek: (url: string, limit: number) => PeekedMessage[] | undefined,
): RouteHandler {
  return async (req, res) => {
    const query = new URL(req.url ?? '/', 'http://local').searchParams;
    if (req.method !== 'GET') {
      sendJsonError(res, 405, 'InvalidAction', `${PEEK_PATH} answers GET only`);
      return;
    }
    const url = query.get('QueueUrl');
    const limit = Number(query.get('MaxNumberOfMessages') ?? '10');
    if (!url || !Number.isInteger(limit) || limit < 1 || limit > MAX_PEEK) {
      const message = `${PEEK_PATH} takes QueueUrl and MaxNumberOfMessages from 1 to ${MAX_PEEK}`;
      sendJsonError(res, 400, 'InvalidParameterValue', message);
      return;
    }
    const messages = peek(url, limit);
    if (!messages) {
      sendJsonError(
        res,
        400,
        'com.amazonaws.sqs#QueueDoesNotExist',
        'The specified queue does not exist.',
        { queryError: 'AWS.SimpleQueueService.NonExistentQueue;Sender' },
      );
      return;
    }
    sendJson(res, 200, { Messages: messages }, {}, 'application/json');
  };
}
