import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamoDb } from '../../local/dynamodb/emulator';
import { ApiMeter } from '../../local/engine/meter';

/** dynalite as the local cloud starts it, metered, with a client for it. */
export interface DynamoFixture {
  readonly client: DynamoDBClient;
  /** Destroys the client and stops dynalite. */
  stop(): Promise<void>;
}

/** Starts dynalite (local/dynamodb/emulator.ts) and a client that talks to it over the wire. */
export async function startDynamoFixture(): Promise<DynamoFixture> {
  const dynamo = await startDynamoDb({ meter: new ApiMeter() });
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: dynamo.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    client,
    stop: async () => {
      client.destroy();
      await dynamo.stop();
    },
  };
}
