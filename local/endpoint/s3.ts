/**
 * S3 on the endpoint (REST, path style): fauxqs's S3 serves buckets and objects, multipart uploads
 * and aws-chunked bodies; this face adds the bucket calls cdk-assets makes that fauxqs does not
 * answer (GetBucketLocation, GetBucketEncryption), checks `x-amz-expected-bucket-owner`, and
 * authorizes role sessions' calls on the bucket or object, as S3 does.
 */
import { type Call, denial, type ServiceHandler } from './call';
import { escapeXml } from './protocol';
import type { Upstream } from './upstream';

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** The bucket and key a path-style request names, and the query's sub-resource. */
function target(call: Call): { bucket: string; key: string; query: URLSearchParams } {
  const [path = '/', search = ''] = (call.req.url ?? '/').split('?');
  const [bucket = '', ...key] = decodeURIComponent(path).slice(1).split('/');
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

function sendXml(call: Call, status: number, body: string): void {
  const text = `<?xml version="1.0" encoding="UTF-8"?>${body}`;
  call.res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(text),
  });
  call.res.end(text);
}

function sendError(call: Call, status: number, code: string, message: string): void {
  sendXml(
    call,
    status,
    `<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`,
  );
}

/** S3 on the endpoint, in front of fauxqs's S3. */
export function s3Service(opts: {
  upstream: Upstream;
  accountId: string;
  hasBucket: (name: string) => boolean;
}): ServiceHandler {
  return (call: Call) => {
    const { bucket, key, query } = target(call);
    const method = call.req.method ?? 'GET';
    const owner = call.req.headers['x-amz-expected-bucket-owner'];
    if (typeof owner === 'string' && owner !== opts.accountId)
      return sendError(call, 403, 'AccessDenied', 'Access Denied');
    if (bucket) {
      const resource = `arn:aws:s3:::${bucket}${key ? `/${key}` : ''}`;
      const refused = denial(call, [{ action: iamAction(method, key, query), resource }]);
      if (refused) return sendError(call, 403, 'AccessDenied', refused);
    }
    if (bucket && !key && method === 'GET' && (query.has('location') || query.has('encryption'))) {
      if (!opts.hasBucket(bucket))
        return sendError(call, 404, 'NoSuchBucket', 'The specified bucket does not exist');
      if (query.has('location')) return sendXml(call, 200, `<LocationConstraint xmlns="${NS}"/>`);
      const rule =
        '<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule>';
      return sendXml(
        call,
        200,
        `<ServerSideEncryptionConfiguration xmlns="${NS}">${rule}</ServerSideEncryptionConfiguration>`,
      );
    }
    opts.upstream(call.req, call.body, call.res);
  };
}
