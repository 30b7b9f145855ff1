/**
 * The names the parts of the pipeline agree on: record statuses, dead-letter attributes, metric
 * names, message types, environment variables and stack output keys. The handlers, the local
 * cloud, the operations tools and the benchmarks import them from here, so a rename is one edit.
 *
 * The stack (`lib/`) and the runtime (`functions/`) never import each other; both import this
 * module, which imports nothing.
 */

/** Where a request stands, as the `status` attribute of its items records it. */
export const Status = {
  /** Requests table: the requestor recorded the request (before sending it). */
  Requested: 'REQUESTED',
  /** Strings table: the generator generated and recorded a string. */
  Generated: 'GENERATED',
  /** Requests table: the requestor stored the string it received. */
  Stored: 'STORED',
  /** Strings table: the generator received the requestor's acknowledgement. */
  Acknowledged: 'ACKNOWLEDGED',
} as const;
export type Status = (typeof Status)[keyof typeof Status];

/**
 * What a Requests item records of the invocation that asked for it, besides its status: the same
 * idempotency key and count re-send the same request ids, so `npm run inspect` can show, and
 * `npm run redrive -- --stranded` make, the retry of an invocation that died half-way.
 */
export const RequestOrigin = {
  IdempotencyKey: 'idempotencyKey',
  /** The invocation's count, as a string (the items hold strings only). */
  Count: 'invocationCount',
} as const;

/** Message attributes a handler sets when it dead-letters a message itself. */
export const FailureAttribute = {
  /** A short code, one of {@link FailureCode}. */
  Code: 'FailureCode',
  /** What was wrong, in words (at most 1024 characters). */
  Reason: 'FailureReason',
  /** The id the message had on its source queue. */
  SourceMessageId: 'SourceMessageId',
  /** The ARN of the queue the message came from. */
  SourceQueueArn: 'SourceQueueArn',
} as const;
/** Every dead-letter attribute name; a redriven message is sent without them. */
export const FAILURE_ATTRIBUTE_NAMES: readonly string[] = Object.values(FailureAttribute);

/** Why a handler dead-lettered a message: the value of its `FailureCode` attribute. */
export const FailureCode = {
  /** The body is not JSON. */
  InvalidJson: 'InvalidJson',
  /** The body does not match its message schema. */
  InvalidMessage: 'InvalidMessage',
  /** The body carries a schema version this code does not read. */
  UnsupportedVersion: 'UnsupportedVersion',
  /** The body is larger than any message of ours. */
  Oversize: 'Oversize',
  /** The message names a request the consumer has no record of. */
  UnknownRequest: 'UnknownRequest',
  /** The message contradicts what is recorded for its request. */
  Conflict: 'Conflict',
} as const;
export type FailureCode = (typeof FailureCode)[keyof typeof FailureCode];

/** CloudWatch namespace of the functions' embedded-metric-format metrics. */
export const METRICS_NAMESPACE = 'StringPipeline';

/** The pipeline stages the functions count, one EMF metric each, with `Service` as dimension. */
export const METRIC_NAMES = [
  'Requested',
  'Generated',
  'Stored',
  'Acknowledged',
  'Duplicate',
  'Rejected',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** The two functions, as the `service` field of their log lines and the `Service` metric dimension. */
export const Service = {
  Requestor: 'requestor',
  Generator: 'generator',
} as const;
export type Service = (typeof Service)[keyof typeof Service];

/** The metrics each service emits (the `Service` dimension's values are the keys). */
export const SERVICE_METRICS = {
  [Service.Requestor]: ['Requested', 'Stored', 'Duplicate', 'Rejected'],
  [Service.Generator]: ['Generated', 'Acknowledged', 'Duplicate', 'Rejected'],
} as const satisfies Record<Service, readonly MetricName[]>;

/** The `type` field of each message. */
export const MessageType = {
  Request: 'request',
  Response: 'response',
  Ack: 'ack',
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Environment variables the stack sets and the handlers read. */
export const Env = {
  RequestsTableName: 'REQUESTS_TABLE_NAME',
  StringsTableName: 'STRINGS_TABLE_NAME',
  RequestQueueUrl: 'REQUEST_QUEUE_URL',
  RequestQueueArn: 'REQUEST_QUEUE_ARN',
  RequestDlqUrl: 'REQUEST_DLQ_URL',
  ResponseQueueUrl: 'RESPONSE_QUEUE_URL',
  ResponseDlqUrl: 'RESPONSE_DLQ_URL',
  AckQueueUrl: 'ACK_QUEUE_URL',
  AckQueueArn: 'ACK_QUEUE_ARN',
  AckDlqUrl: 'ACK_DLQ_URL',
  MetricsNamespace: 'METRICS_NAMESPACE',
  DefaultRequestCount: 'DEFAULT_REQUEST_COUNT',
} as const;

/**
 * The IAM actions the handlers' SDK calls need, and all the stack grants for them: a queue a
 * function sends to (SendMessageBatch), a table it records in (conditional PutItem/UpdateItem and
 * the GetItem that reads a conflicting item). A unit test checks them against the code's calls.
 */
export const CodeActions = {
  sendsTo: ['sqs:SendMessage'],
  records: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
} as const;

/**
 * What the Lambda poller of an SQS event source calls with the function's role, and all the
 * stack grants it.
 */
export const POLLER_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
] as const;

/** The three pipeline queues, by the prefix of their stack output keys. */
export const QUEUES = ['Request', 'Response', 'Ack'] as const;
export type QueueKey = (typeof QUEUES)[number];

/**
 * Stack output keys. The local cloud, the operations tools, the benchmarks and the tests find
 * queues, tables and functions by these, on every target.
 */
export const Output = {
  RequestQueueUrl: 'RequestQueueUrl',
  RequestDlqUrl: 'RequestDlqUrl',
  ResponseQueueUrl: 'ResponseQueueUrl',
  ResponseDlqUrl: 'ResponseDlqUrl',
  AckQueueUrl: 'AckQueueUrl',
  AckDlqUrl: 'AckDlqUrl',
  /** Scheduler's DLQ: ticks it could not deliver to the requestor. */
  ScheduleDlqUrl: 'ScheduleDlqUrl',
  /** The requestor's on-failure destination: async invocations that failed every retry. */
  RequestorFailureDlqUrl: 'RequestorFailureDlqUrl',
  RequestsTableName: 'RequestsTableName',
  StringsTableName: 'StringsTableName',
  RequestorFunctionName: 'RequestorFunctionName',
  GeneratorFunctionName: 'GeneratorFunctionName',
  /** Each function's log group: a generated name, which its logging config points to. */
  RequestorLogGroupName: 'RequestorLogGroupName',
  GeneratorLogGroupName: 'GeneratorLogGroupName',
  DashboardName: 'DashboardName',
} as const;
export type OutputKey = (typeof Output)[keyof typeof Output];

/** The output keys of a queue and of its dead-letter queue. */
export function queueOutputs(queue: QueueKey): { queue: OutputKey; dlq: OutputKey } {
  return { queue: `${queue}QueueUrl`, dlq: `${queue}DlqUrl` };
}
