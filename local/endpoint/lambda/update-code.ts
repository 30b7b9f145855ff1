// Lambda's UpdateFunctionCode: new code from an S3 object or an inline zip, for `cdk deploy
// --hotswap` and `cdk watch`; the answer is the function's configuration, already Successful.

import { sendJson, sendRestError } from '../protocol';
import type { FunctionCode } from './backend';
import { findFunction, type LambdaRequest, refused, sendNotFound } from './request';
import { functionConfiguration } from './shapes';

/** The code the request body names, or why it names none. */
function codeOf(body: Buffer): FunctionCode | string {
  let parsed: { S3Bucket?: unknown; S3Key?: unknown; ZipFile?: unknown };
  try {
    parsed = JSON.parse(body.toString('utf8') || '{}') as typeof parsed;
  } catch {
    return 'The request body is not JSON';
  }
  if (typeof parsed.ZipFile === 'string') return { zipFile: Buffer.from(parsed.ZipFile, 'base64') };
  if (typeof parsed.S3Bucket === 'string' && typeof parsed.S3Key === 'string')
    return { s3Bucket: parsed.S3Bucket, s3Key: parsed.S3Key };
  return 'Please provide a source for function code: ZipFile, or S3Bucket and S3Key';
}

export async function updateFunctionCode({ call, backend, id }: LambdaRequest): Promise<void> {
  const target = findFunction(backend, id);
  if (!target) return sendNotFound(call, `Function not found: ${id}`);
  if (refused(call, 'lambda:UpdateFunctionCode', target.arn)) return;
  const code = codeOf(call.body);
  if (typeof code === 'string')
    return sendRestError(call.res, 400, 'InvalidParameterValueException', code);
  try {
    await backend.updateFunctionCode(target.name, code);
  } catch (error) {
    return sendRestError(call.res, 400, 'InvalidParameterValueException', (error as Error).message);
  }
  sendJson(call.res, 200, functionConfiguration(target), {}, 'application/json');
}
