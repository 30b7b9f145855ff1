/**
 * S3 on the endpoint (REST, path style): fauxqs's S3 serves buckets and objects and multipart
 * uploads; this face adds the bucket calls cdk-assets makes that fauxqs does not answer
 * (GetBucketLocation, GetBucketEncryption), checks `x-amz-expected-bucket-owner`, authorizes role
 * sessions' calls on the bucket or object, as S3 does, and receives uploads itself (`upload.ts`):
 * streamed, bounded and decoded from aws-chunked before fauxqs stores them.
 */
import { type Call, denial, type ServiceHandler } from '../call';
import type { Upstream } from '../upstream';
import { isS3Upload, receiveUpload } from './upload';
import { sendS3Error, sendXml } from './xml';

export { isS3Upload, S3_UPLOAD_LIMIT_BYTES } from './upload';

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/**
 * The bucket and key a path-style request names, and the query's sub-resource; undefined for a
 * path that is not valid percent-encoding (a client's mistake).
 */
function target(call: Call): { bucket: string; key: string; query: URLSearchParams } | undefined {
  const [path = '/', search = ''] = (call.req.url ?? '/').split('?');
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  const [bucket = '', ...key] = decoded.slice(1).split('/');
  return { bucket, key: key.join('/'), query: new URLSearchParams(search) };
}

/** The IAM action a request needs, as S3 authorizes it. */
function iamAction(method: string, key: string, query: URLSearchParams): string {
  if (query.has('location')) return 's3:GetBucketLocation';
  if (query.has('encryption')) return 's3:GetEncryptionConfiguration';
  if (!key) return method === 'GET' || method === 'HEAD' ? 's3:ListBucket' : `s3:${method}Bucket`;
  if (method === 'GET' || method === 'HEAD') return 's3:GetObject';
  if (method === 'DELETE')
    return query.has('uploadId') ? 's3:AbortMultipartUpload' : 's3:DeleteObject';
  return 's3:PutObject';
}

/** S3 on the endpoint, in front of fauxqs's S3. */
export function s3Service(opts: {
  upstream: Upstream;
  accountId: string;
  hasBucket: (name: string) => boolean;
}): ServiceHandler {
  return async (call: Call) => {
    const named = target(call);
    // S3's answer to a path it cannot decode.
    if (!named)
      return sendS3Error(call.res, 400, 'InvalidURI', "Couldn't parse the specified URI.");
    const { bucket, key, query } = named;
    const method = call.req.method ?? 'GET';
    const owner = call.req.headers['x-amz-expected-bucket-owner'];
    if (typeof owner === 'string' && owner !== opts.accountId)
      return sendS3Error(call.res, 403, 'AccessDenied', 'Access Denied');
    if (bucket) {
      const resource = `arn:aws:s3:::${bucket}${key ? `/${key}` : ''}`;
      const refused = denial(call, [{ action: iamAction(method, key, query), resource }]);
      if (refused) return sendS3Error(call.res, 403, 'AccessDenied', refused);
    }
    if (bucket && !key && method === 'GET' && (query.has('location') || query.has('encryption'))) {
      if (!opts.hasBucket(bucket))
        return sendS3Error(call.res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
      if (query.has('location'))
        return sendXml(call.res, 200, `<LocationConstraint xmlns="${NS}"/>`);
      const rule =
        '<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule>';
      return sendXml(
        call.res,
        200,
        `<ServerSideEncryptionConfiguration xmlns="${NS}">${rule}</ServerSideEncryptionConfiguration>`,
      );
    }
    if (!isS3Upload(call.req)) return opts.upstream(call.req, call.body, call.res);
    // The gateway leaves an upload's body unread (see guard/body-limits.ts).
    const upload = await receiveUpload(call.req, call.res);
    if (upload) opts.upstream(call.req, upload.body, call.res, upload.headers);
  };
}
