/**
 * `AWS::DynamoDB::Table`: a table in dynalite, created through the endpoint's DynamoDB API. A
 * table kept in a data directory from an earlier cloud is taken over when the cloud allows it.
 */
import {
  type AttributeDefinition,
  CreateTableCommand,
  DeleteTableCommand,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type LocalSecondaryIndex,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { appServices, generatedName, type ResourceContext, type ResourceHandler } from './handler';

/** The CreateTable call for a table resource's properties, as dynalite takes them. */
function createTableCommand(name: string, props: Record<string, unknown>): CreateTableCommand {
  const throughput = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };
  const onDemand = props.BillingMode === 'PAY_PER_REQUEST';
  const index = (i: Record<string, unknown>) => ({
    IndexName: i.IndexName,
    KeySchema: i.KeySchema,
    Projection: i.Projection,
  });
  const global = (i: Record<string, unknown>) => ({
    ...index(i),
    ...(onDemand ? {} : { ProvisionedThroughput: throughput }),
  });
  return new CreateTableCommand({
    TableName: name,
    KeySchema: props.KeySchema as KeySchemaElement[],
    AttributeDefinitions: props.AttributeDefinitions as AttributeDefinition[],
    ...(onDemand ? { BillingMode: 'PAY_PER_REQUEST' } : { ProvisionedThroughput: throughput }),
    ...(Array.isArray(props.GlobalSecondaryIndexes)
      ? {
          GlobalSecondaryIndexes: props.GlobalSecondaryIndexes.map(
            global,
          ) as GlobalSecondaryIndex[],
        }
      : {}),
    ...(Array.isArray(props.LocalSecondaryIndexes)
      ? { LocalSecondaryIndexes: props.LocalSecondaryIndexes.map(index) as LocalSecondaryIndex[] }
      : {}),
  });
}

function provisioned(ctx: ResourceContext, name: string) {
  const arn = `arn:aws:dynamodb:${ctx.region}:${ctx.accountId}:table/${name}`;
  return { physicalId: name, attributes: { Arn: arn, StreamArn: `${arn}/stream/local` } };
}

export const dynamodbTable: ResourceHandler = {
  replaceOn: ['TableName', 'KeySchema', 'AttributeDefinitions', 'LocalSecondaryIndexes'],
  async create(ctx, props) {
    const name = typeof props.TableName === 'string' ? props.TableName : generatedName(ctx, 255);
    const app = appServices(ctx);
    try {
      await app.dynamodb.send(createTableCommand(name, props));
    } catch (error) {
      if (!(app.adoptTables && error instanceof ResourceInUseException)) throw error;
    }
    return provisioned(ctx, name);
  },
  // Billing, streams, TTL and the rest change nothing locally.
  update: (ctx, current) => provisioned(ctx, current.physicalId),
  async delete(ctx, current) {
    await appServices(ctx).dynamodb.send(new DeleteTableCommand({ TableName: current.physicalId }));
  },
};
