// Wire-level helpers shared by the endpoint's services: which service a request is for, who
// signed it, and each protocol's error shape.

import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** The services the endpoint serves, as IAM prefixes their actions. */
export type ServiceName =
  | 'sqs'
  | 'dynamodb'
  | 'lambda'
  | 'cloudformation'
  | 'sts'
  | 'logs'
  | 'ssm'
  | 's3';

/** What the SigV4 `Authorization` header says: who signed, and for which service. */
export interface Signature {
  readonly accessKeyId: string;
  /** The credential scope's service name (`sqs`, `dynamodb`, `lambda`, `cloudformation`, ...). */
  readonly service: string;
}

/** Reads `Credential=AKID/DATE/REGION/SERVICE/aws4_request` from a SigV4 header. */
export function parseSignature(header: string | undefined): Signature | undefined {
  if (!header) return undefined;
  const match = /Credential=([^/,\s]+)\/[^/]*\/[^/]*\/([^/]+)\//.exec(header);
  if (!match?.[1] || !match[2]) return undefined;
  return { accessKeyId: match[1], service: match[2] };
}

/** Sends a JSON body (AWS JSON 1.0/1.1 and REST JSON protocols). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  contentType = 'application/x-amz-json-1.1',
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  res.end(text);
}

/**
 * An error in the AWS JSON protocols: `__type` names it (SDKs read the part after `#`), and for
 * SQS the `x-amzn-query-error` header carries the query-protocol code (`AccessDenied`) that the
 * SDK reports as the error's name.
 */
export function sendJsonError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  opts: { queryError?: string; contentType?: string } = {},
): void {
  sendJson(
    res,
    status,
    { __type: type, message, Message: message },
    {
      'x-amzn-errortype': type.slice(type.indexOf('#') + 1),
      ...(opts.queryError ? { 'x-amzn-query-error': opts.queryError } : {}),
    },
    opts.contentType,
  );
}

/** Escapes text for an XML element. */
export function escapeXml(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );
}

/**
 * Builds XML from plain data: objects become elements, arrays become `<member>` lists (the query
 * protocol's list shape), `undefined` is left out.
 */
export function toXml(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  }
  return escapeXml(String(value));
}

/** A query-protocol success: `<ActionResponse><ActionResult>...</ActionResult>...`. */
export function sendXmlResult(
  res: ServerResponse,
  namespace: string,
  action: string,
  result: unknown,
): void {
  const text =
    `<?xml version="1.0" encoding="UTF-8"?><${action}Response xmlns="${namespace}">` +
    `<${action}Result>${toXml(result)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
  res.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A query-protocol error, as SQS, CloudFormation and STS send it. */
export function sendXmlError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  namespace?: string,
): void {
  const xmlns = namespace ? ` xmlns="${namespace}"` : '';
  const text =
    `<?xml version="1.0" encoding="UTF-8"?><ErrorResponse${xmlns}><Error>` +
    `<Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A REST-JSON error (Lambda): the type travels in `x-amzn-ErrorType`. */
export function sendRestError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
): void {
  sendJson(
    res,
    status,
    { Type: status >= 500 ? 'Service' : 'User', message, Message: message },
    { 'x-amzn-errortype': type },
    'application/json',
  );
}
