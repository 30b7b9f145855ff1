/**
 * The names the stack shares with the runtime: environment variables, the metrics namespace and
 * each service's metric names, and stack output keys.
 *
 * The runtime's copy is `functions/shared/contract.ts`. `lib/` keeps its own because infrastructure
 * and runtime code never import each other; `test/infra/contract.test.ts` asserts that every name
 * here equals the runtime's, so a rename on one side alone fails the tests.
 */

/** CloudWatch namespace of the functions' embedded-metric-format metrics. */
export const METRICS_NAMESPACE = 'StringPipeline';

/** The metrics each service emits (the `Service` dimension's values are the keys). */
export const SERVICE_METRICS = {
  requestor: ['Requested', 'Stored', 'Duplicate', 'Rejected'],
  generator: ['Generated', 'Acknowledged', 'Duplicate', 'Rejected'],
} as const;

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
  ScheduleDlqUrl: 'ScheduleDlqUrl',
  RequestorFailureDlqUrl: 'RequestorFailureDlqUrl',
  RequestsTableName: 'RequestsTableName',
  StringsTableName: 'StringsTableName',
  RequestorFunctionName: 'RequestorFunctionName',
  GeneratorFunctionName: 'GeneratorFunctionName',
  DashboardName: 'DashboardName',
} as const;
