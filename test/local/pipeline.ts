import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import { isClean, type Reconciliation, reconcile } from '../../ops/reconcile';
import { requireOutput, resolveTarget } from '../../ops/target';
import { startHarness } from './harness';

/** The pipeline under test: the local cloud by default, or a deployed stack when pointed at one. */
export interface Pipeline {
  /** Where it runs, for messages. */
  readonly description: string;
  /** True for a local cloud started for this test: its tables hold nothing but this test's records. */
  readonly fresh: boolean;
  readonly outputs: Record<string, string>;
  /** Invokes the requestor with `{ count }` and returns the request ids. */
  requestStrings(count: number): Promise<string[]>;
  /** Waits until the pipeline has finished with these requests, then reconciles. */
  settle(expected: readonly string[]): Promise<Reconciliation>;
  stop(): Promise<void>;
}

/**
 * Opens the pipeline named by the environment:
 * - `PIPELINE_ENDPOINT=http://localhost:4566` (LocalStack, after `npm run deploy:localstack`),
 * - `PIPELINE_STACK` / `PIPELINE_REGION` (a stack deployed with `cdk deploy`, default credentials),
 * - neither: a fresh local cloud.
 */
export async function openPipeline(): Promise<Pipeline> {
  const endpoint = process.env.PIPELINE_ENDPOINT;
  const stack = process.env.PIPELINE_STACK;
  const region = process.env.PIPELINE_REGION;
  if (!endpoint && !stack && !region) {
    // The template as synthesized, at its own concurrency: this is the deployed pipeline's test.
    const h = await startHarness({ assemblyDir: inject('pipelineAssembly') });
    return {
      description: 'a local cloud',
      fresh: true,
      outputs: h.cloud.outputs,
      requestStrings: (count) => h.requestStrings(count),
      async settle(expected) {
        await h.cloud.waitForIdle();
        return h.reconcile(expected);
      },
      stop: () => h.stop(),
    };
  }

  const target = await resolveTarget({ endpoint, stack, region, stateFile: '/nonexistent' });
  const sqs = new SQSClient(target.clientConfig('sqs'));
  const dynamodb = new DynamoDBClient(target.clientConfig('dynamodb'));
  const lambda = new LambdaClient(target.clientConfig('lambda'));
  return {
    description: target.description,
    fresh: false,
    outputs: target.outputs,
    async requestStrings(count) {
      const response = await lambda.send(
        new InvokeCommand({
          FunctionName: requireOutput(target, 'RequestorFunctionName'),
          Payload: Buffer.from(JSON.stringify({ count })),
        }),
      );
      const payload = JSON.parse(Buffer.from(response.Payload ?? []).toString('utf8') || 'null');
      if (response.FunctionError) throw new Error(`requestor failed: ${JSON.stringify(payload)}`);
      return (payload as { requestIds: string[] }).requestIds;
    },
    async settle(expected) {
      // A deployed pipeline gives no idle signal: poll until these requests are done (or 5 minutes).
      const deadline = Date.now() + 300_000;
      for (;;) {
        const summary = await reconcile({ sqs, dynamodb, outputs: target.outputs, expected });
        if (isClean({ ...summary, unexpected: [] }) || Date.now() > deadline) return summary;
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    },
    async stop() {
      sqs.destroy();
      dynamodb.destroy();
      lambda.destroy();
    },
  };
}
