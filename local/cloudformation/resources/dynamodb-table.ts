/** `AWS::DynamoDB::Table`: a table in dynalite, created through the endpoint's DynamoDB API. */
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { createTableCommand } from '../../stack/provision';
import { appServices, generatedName, type ResourceContext, type ResourceHandler } from './handler';

function provisioned(ctx: ResourceContext, name: string) {
  const arn = `arn:aws:dynamodb:${ctx.region}:${ctx.accountId}:table/${name}`;
  return { physicalId: name, attributes: { Arn: arn, StreamArn: `${arn}/stream/local` } };
}

export const dynamodbTable: ResourceHandler = {
  replaceOn: ['TableName', 'KeySchema', 'AttributeDefinitions', 'LocalSecondaryIndexes'],
  async create(ctx, props) {
    const name = typeof props.TableName === 'string' ? props.TableName : generatedName(ctx, 255);
    await appServices(ctx).dynamodb.send(createTableCommand(name, props));
    return provisioned(ctx, name);
  },
  // Billing, streams, TTL and the rest change nothing locally.
  update: (ctx, current) => provisioned(ctx, current.physicalId),
  async delete(ctx, current) {
    await appServices(ctx).dynamodb.send(new DeleteTableCommand({ TableName: current.physicalId }));
  },
};
