/** `AWS::S3::Bucket`: a bucket in fauxqs's S3, as the CDK bootstrap stack's staging bucket. */
import type { ResourceHandler } from './handler';
import { generatedName } from './handler';

export const s3Bucket: ResourceHandler = {
  replaceOn: ['BucketName'],
  create(ctx, props) {
    const name =
      typeof props.BucketName === 'string' ? props.BucketName : generatedName(ctx, 63, true);
    if (ctx.services.buckets.has(name)) throw new Error(`${name} already exists`);
    ctx.services.buckets.create(name);
    return { physicalId: name, attributes: bucketAttributes(name, ctx.region) };
  },
  update: (ctx, current) => ({
    physicalId: current.physicalId,
    attributes: bucketAttributes(current.physicalId, ctx.region),
  }),
  delete(ctx, current) {
    const size = ctx.services.buckets.size(current.physicalId);
    if (size !== undefined && size > 0) {
      throw new Error(
        'The bucket you tried to delete is not empty (Service: S3, Status Code: 409, Error Code: BucketNotEmpty)',
      );
    }
    ctx.services.buckets.delete(current.physicalId);
  },
};

function bucketAttributes(name: string, region: string): Record<string, string> {
  return {
    Arn: `arn:aws:s3:::${name}`,
    DomainName: `${name}.s3.amazonaws.com`,
    RegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
    DualStackDomainName: `${name}.s3.dualstack.${region}.amazonaws.com`,
    WebsiteURL: `http://${name}.s3-website-${region}.amazonaws.com`,
  };
}
