/**
 * Resource types that are accepted and recorded but change nothing on the local cloud: container
 * registries, bucket and queue policies, Lambda permissions, dashboards, metadata. They get the physical id and the
 * attributes templates read from them, so references resolve.
 */
import type { ResourceHandler } from './handler';
import { generatedName } from './handler';

type Attributes = (
  ctx: { region: string; accountId: string },
  id: string,
) => Record<string, string>;

function inert(
  physicalId: (props: Record<string, unknown>) => string | undefined,
  attributes: Attributes,
  max = 64,
): ResourceHandler {
  return {
    create(ctx, props) {
      const id = physicalId(props) ?? generatedName(ctx, max, true);
      return { physicalId: id, attributes: attributes(ctx, id) };
    },
    update: (_ctx, current) => ({ physicalId: current.physicalId, attributes: current.attributes }),
    delete() {},
  };
}

const named = (key: string) => (props: Record<string, unknown>) =>
  typeof props[key] === 'string' ? (props[key] as string) : undefined;

export const INERT_HANDLERS: Record<string, ResourceHandler> = {
  'AWS::ECR::Repository': inert(named('RepositoryName'), ({ region, accountId }, id) => ({
    Arn: `arn:aws:ecr:${region}:${accountId}:repository/${id}`,
    RepositoryUri: `${accountId}.dkr.ecr.${region}.amazonaws.com/${id}`,
  })),
  'AWS::S3::BucketPolicy': inert(
    () => undefined,
    () => ({}),
  ),
  'AWS::CDK::Metadata': inert(
    () => undefined,
    () => ({}),
  ),
  'AWS::SQS::QueuePolicy': inert(
    () => undefined,
    () => ({}),
  ),
  'AWS::Lambda::Permission': inert(
    () => undefined,
    () => ({}),
  ),
  'AWS::CloudWatch::Dashboard': inert(named('DashboardName'), () => ({})),
};
