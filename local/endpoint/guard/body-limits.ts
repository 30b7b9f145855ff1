// How large a request body each service takes, as AWS bounds it, and the service's own error for
// one that is larger. The endpoint decides from the headers, before reading the body, so an
// oversized body is refused while it is still arriving and never held whole.

import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  DYNAMODB_REQUEST_LIMIT_BYTES,
  LAMBDA_ASYNC_PAYLOAD_LIMIT_BYTES,
  LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES,
  LOGS_REQUEST_LIMIT_BYTES,
  SQS_MESSAGE_LIMIT_BYTES,
} from '../../../aws/limits';
import { sendJson, sendJsonError, sendRestError, sendXmlError } from '../protocol';
import { isS3Upload, S3_UPLOAD_LIMIT_BYTES } from '../s3/upload';
import { sendS3Error } from '../s3/xml';
import { JSON_1_0 } from '../sqs/context';
import { SQS_QUERY_NAMESPACE } from '../sqs/query';

/** The most a request body may hold, and how its service refuses one that holds more. */
export interface BodyBound {
  readonly limit: number;
  /** Answers that the body is larger than {@link limit}, in the service's own error shape. */
  refuse(req: IncomingMessage, res: ServerResponse): void;
  /**
   * The service reads the body itself, as it arrives, within {@link limit} (an S3 upload): the
   * gateway leaves it unread. @default false
   */
  readonly streamed?: boolean;
}

/** Room for the parameters around the payload a limit is about (names, attributes, ids). */
const OVERHEAD = 64 * 1024;

/**
 * SQS: a message (or a batch of them) of 1 MiB. JSON escapes can double its text (`"` becomes
 * `\"`) and form encoding triple it (each byte of a non-ASCII character becomes `%XX`), so the
 * body may be that much larger; beyond it, the message cannot be within the limit.
 */
function sqsBound(req: IncomingMessage): BodyBound {
  const target = req.headers['x-amz-target'];
  const json = typeof target === 'string';
  const batch = json && target.endsWith('Batch');
  const limit = (json ? 2 : 3) * SQS_MESSAGE_LIMIT_BYTES + OVERHEAD;
  const message = `The request body is larger than ${limit} bytes, so its message${batch ? 's' : ''} cannot be within SQS's ${SQS_MESSAGE_LIMIT_BYTES}-byte limit`;
  return {
    limit,
    refuse: (_, res) => {
      if (!json)
        return sendXmlError(res, 400, 'InvalidParameterValue', message, SQS_QUERY_NAMESPACE);
      const code = batch ? 'AWS.SimpleQueueService.BatchRequestTooLong' : 'InvalidParameterValue';
      sendJsonError(res, 400, `com.amazonaws.sqs#${code.split('.').pop()}`, message, {
        queryError: `${code};Sender`,
        contentType: JSON_1_0,
      });
    },
  };
}

/** DynamoDB: 16 MB per request, answered as its other size limits are, with a ValidationException. */
const DYNAMODB: BodyBound = {
  limit: DYNAMODB_REQUEST_LIMIT_BYTES,
  refuse: (_, res) =>
    sendJsonError(
      res,
      400,
      'com.amazon.coral.validate#ValidationException',
      `Request size has exceeded the maximum allowed size of ${DYNAMODB_REQUEST_LIMIT_BYTES} bytes`,
      { contentType: JSON_1_0 },
    ),
};

/** Lambda: a 6 MB payload for a synchronous invoke (and any other call), 1 MiB for an `Event` one. */
function lambdaBound(req: IncomingMessage): BodyBound {
  const event = req.headers['x-amz-invocation-type'] === 'Event';
  const limit = event ? LAMBDA_ASYNC_PAYLOAD_LIMIT_BYTES : LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES;
  return {
    limit,
    refuse: (_, res) =>
      sendRestError(
        res,
        413,
        'RequestTooLargeException',
        `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
      ),
  };
}

/** CloudWatch Logs: a 1 MiB upload. */
const LOGS: BodyBound = {
  limit: LOGS_REQUEST_LIMIT_BYTES + OVERHEAD,
  refuse: (_, res) =>
    sendJsonError(
      res,
      400,
      'InvalidParameterException',
      `Upload too large: the request body exceeds the limit of ${LOGS_REQUEST_LIMIT_BYTES} bytes`,
    ),
};

/**
 * The query-protocol services (CloudFormation, STS): their largest parameters (a 51,200-byte
 * template body, policies of a few KB) leave a 1 MiB body plenty of room.
 */
const QUERY_LIMIT_BYTES = 1024 * 1024;
const QUERY: BodyBound = {
  limit: QUERY_LIMIT_BYTES,
  refuse: (_, res) =>
    sendXmlError(
      res,
      400,
      'ValidationError',
      `The request body is larger than ${QUERY_LIMIT_BYTES} bytes`,
    ),
};

/** SSM: a parameter's value is at most 8 KB, far below the query protocol's bound. */
const SSM: BodyBound = {
  limit: QUERY_LIMIT_BYTES,
  refuse: (_, res) =>
    sendJsonError(
      res,
      400,
      'ValidationException',
      `The request body is larger than ${QUERY_LIMIT_BYTES} bytes`,
    ),
};

/**
 * S3: an upload (PutObject, UploadPart) is streamed, not read here: its service decodes, counts
 * and spools it as it arrives and refuses it at its own bound (`../s3/upload.ts`). Any other call
 * carries an XML document at most (DeleteObjects' 1,000 keys, CompleteMultipartUpload's 10,000
 * parts), which 4 MiB holds with room to spare.
 */
const S3_UPLOAD: BodyBound = {
  limit: S3_UPLOAD_LIMIT_BYTES,
  streamed: true,
  refuse: (_, res) =>
    sendS3Error(
      res,
      400,
      'EntityTooLarge',
      'Your proposed upload exceeds the maximum allowed size',
    ),
};
const S3_REQUEST_LIMIT_BYTES = 4 * 1024 * 1024;
const S3_REQUEST: BodyBound = {
  limit: S3_REQUEST_LIMIT_BYTES,
  refuse: (_, res) =>
    sendS3Error(
      res,
      400,
      'MaxMessageLengthExceeded',
      `Your request was too big: the local cloud takes ${S3_REQUEST_LIMIT_BYTES} bytes in an S3 request other than an upload`,
    ),
};

/** A request no service is recognised for yet: the largest query-protocol body (SQS's). */
const UNRECOGNISED: BodyBound = {
  limit: 3 * SQS_MESSAGE_LIMIT_BYTES + OVERHEAD,
  refuse: (_, res) =>
    sendXmlError(
      res,
      413,
      'RequestEntityTooLarge',
      `The request body is larger than ${3 * SQS_MESSAGE_LIMIT_BYTES + OVERHEAD} bytes, more than any call the local cloud serves takes`,
    ),
};

/**
 * A page beside the AWS APIs (the console): its largest write is an invoke payload. Answered as the
 * console answers every error, `{ "error": "..." }`.
 */
export const ROUTE_BODY_BOUND: BodyBound = {
  limit: LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES + OVERHEAD,
  refuse: (_, res) =>
    sendJson(
      res,
      413,
      {
        error: `The request body is larger than ${LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES + OVERHEAD} bytes`,
      },
      {},
      'application/json',
    ),
};

/**
 * The bound of a call for `service` (an IAM service prefix, as the headers tell it; undefined when
 * they do not): CloudFormation, STS and any other service get the query protocol's.
 */
export function bodyBoundOf(service: string | undefined, req: IncomingMessage): BodyBound {
  switch (service) {
    case 'sqs':
      return sqsBound(req);
    case 'dynamodb':
      return DYNAMODB;
    case 'lambda':
      return lambdaBound(req);
    case 'logs':
      return LOGS;
    case 's3':
      return isS3Upload(req) ? S3_UPLOAD : S3_REQUEST;
    case 'ssm':
      return SSM;
    case undefined:
      return UNRECOGNISED;
    default:
      return QUERY;
  }
}
