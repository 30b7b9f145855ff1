// Lambda's UpdateFunctionCode: new code from an S3 object or an inline zip, for `cdk deploy
// --hotswap` and `cdk watch`; the answer is the function's configuration, already Successful.

import type { FunctionCode } from './backend';
import { type LambdaRequest, updateFunction } from './request';

/** The code the request body names, or why it names none. */
function codeOf(body: Record<string, unknown>): FunctionCode | string {
  if (typeof body.ZipFile === 'string') return { zipFile: Buffer.from(body.ZipFile, 'base64') };
  if (typeof body.S3Bucket === 'string' && typeof body.S3Key === 'string')
    return { s3Bucket: body.S3Bucket, s3Key: body.S3Key };
  return 'Please provide a source for function code: ZipFile, or S3Bucket and S3Key';
}

export function updateFunctionCode(request: LambdaRequest): Promise<void> {
  return updateFunction(request, 'lambda:UpdateFunctionCode', codeOf, (name, code) =>
    request.backend.updateFunctionCode(name, code),
  );
}
