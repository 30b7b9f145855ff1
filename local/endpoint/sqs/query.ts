// SQS's query protocol (AWS CLI v1, SDK for JavaScript v2, boto3 before 2024): form-encoded
// `Action=SendMessage&QueueUrl=...` requests with flattened lists (`AttributeName.1`,
// `MessageAttribute.1.Name`), answered in XML. fauxqs speaks only the JSON protocol, so the
// endpoint translates each query request into its JSON form and the JSON answer back into XML.

import { randomUUID } from 'node:crypto';
import { escapeXml } from '../protocol';

/** The XML namespace of SQS's query protocol answers. */
export const SQS_QUERY_NAMESPACE = 'http://queue.amazonaws.com/doc/2012-11-05/';

/** The actions the endpoint serves over the query protocol. */
export const SQS_QUERY_ACTIONS: ReadonlySet<string> = new Set([
  'ListQueues',
  'GetQueueUrl',
  'CreateQueue',
  'DeleteQueue',
  'GetQueueAttributes',
  'SetQueueAttributes',
  'SendMessage',
  'SendMessageBatch',
  'ReceiveMessage',
  'DeleteMessage',
  'DeleteMessageBatch',
  'ChangeMessageVisibility',
  'ChangeMessageVisibilityBatch',
  'PurgeQueue',
  'ListDeadLetterSourceQueues',
  'TagQueue',
  'UntagQueue',
  'ListQueueTags',
]);

/** Actions whose answer has no `<ActionResult>` element, only the response metadata. */
const NO_RESULT = new Set([
  'DeleteQueue',
  'SetQueueAttributes',
  'DeleteMessage',
  'ChangeMessageVisibility',
  'PurgeQueue',
  'TagQueue',
  'UntagQueue',
]);

const NUMBERS = new Set([
  'MaxNumberOfMessages',
  'WaitTimeSeconds',
  'VisibilityTimeout',
  'DelaySeconds',
  'MaxResults',
]);

/** A parameter tree: `A.1.B=x` becomes `{ A: { 1: { B: 'x' } } }`. */
interface Tree {
  [key: string]: Tree | string;
}

function treeOf(params: URLSearchParams): Tree {
  const root: Tree = {};
  for (const [key, value] of params) {
    const parts = key.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (typeof next === 'object') node = next;
      else {
        const child: Tree = {};
        node[part] = child;
        node = child;
      }
    }
    node[parts[parts.length - 1] ?? key] = value;
  }
  return root;
}

/** The members of a flattened list (`X.1`, `X.2`, ...) in index order. */
function members(node: Tree | string | undefined): (Tree | string)[] {
  if (node === undefined || typeof node === 'string') return [];
  return Object.keys(node)
    .filter((k) => /^\d+$/.test(k))
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => node[k] as Tree | string);
}

const text = (node: Tree | string | undefined): string | undefined =>
  typeof node === 'string' ? node : undefined;

/** `X.N.Name` / `X.N.Value.{DataType,StringValue,BinaryValue}` as the JSON protocol's map. */
function attributeValues(node: Tree | string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const member of members(node)) {
    if (typeof member === 'string') continue;
    const name = text(member.Name);
    const value = member.Value;
    if (!name || typeof value !== 'object') continue;
    out[name] = {
      DataType: text(value.DataType),
      StringValue: text(value.StringValue),
      BinaryValue: text(value.BinaryValue),
    };
  }
  return out;
}

function pairs(node: Tree | string | undefined, key: string, value: string) {
  const out: Record<string, string> = {};
  for (const member of members(node)) {
    if (typeof member === 'string') continue;
    const k = text(member[key]);
    if (k !== undefined) out[k] = text(member[value]) ?? '';
  }
  return out;
}

function convert(action: string, tree: Tree): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(tree)) {
    if (key === 'Action' || key === 'Version') continue;
    const list = () => members(node).filter((m): m is string => typeof m === 'string');
    switch (key) {
      case 'Attribute':
        out.Attributes = pairs(node, 'Name', 'Value');
        break;
      case 'AttributeName':
        out.AttributeNames = list();
        break;
      case 'MessageAttributeName':
        out.MessageAttributeNames = list();
        break;
      case 'MessageSystemAttributeName':
        out.MessageSystemAttributeNames = list();
        break;
      case 'TagKey':
        out.TagKeys = list();
        break;
      case 'MessageAttribute':
        out.MessageAttributes = attributeValues(node);
        break;
      case 'MessageSystemAttribute':
        out.MessageSystemAttributes = attributeValues(node);
        break;
      case 'Tag':
        // CreateQueue's JSON member is `tags`; TagQueue's is `Tags`.
        out[action === 'CreateQueue' ? 'tags' : 'Tags'] = pairs(node, 'Key', 'Value');
        break;
      default:
        if (key.endsWith('RequestEntry')) {
          out.Entries = members(node)
            .filter((m): m is Tree => typeof m === 'object')
            .map((entry) => convert(action, entry));
        } else if (typeof node === 'string') {
          out[key] = NUMBERS.has(key) ? Number(node) : node;
        }
    }
  }
  return out;
}

/**
 * The JSON-protocol parameters of a query-protocol SQS request. A request without `QueueUrl` that
 * was sent to a queue's URL (as the SDK for JavaScript v2 does) takes the URL it was sent to.
 */
export function queryToJson(
  action: string,
  params: URLSearchParams,
  requestUrl?: { host: string; path: string },
): Record<string, unknown> {
  const json = convert(action, treeOf(params));
  if (json.QueueUrl === undefined && requestUrl && /^\/[^/]+\/[^/]+$/.test(requestUrl.path)) {
    json.QueueUrl = `http://${requestUrl.host}${requestUrl.path}`;
  }
  return json;
}

const element = (name: string, inner: string) => `<${name}>${inner}</${name}>`;

function scalarXml(value: unknown): string {
  return escapeXml(typeof value === 'object' ? JSON.stringify(value) : String(value));
}

function messageAttributesXml(map: Record<string, Record<string, unknown>>): string {
  return Object.entries(map)
    .map(([name, value]) => {
      const inner = ['StringValue', 'BinaryValue', 'DataType']
        .filter((k) => value[k] !== undefined && value[k] !== null)
        .map((k) => element(k, scalarXml(value[k])))
        .join('');
      return element(
        'MessageAttribute',
        element('Name', escapeXml(name)) + element('Value', inner),
      );
    })
    .join('');
}

/** One JSON answer object as query-protocol XML; `entry` names a batch's success entries. */
function objectXml(value: Record<string, unknown>, entry: string): string {
  let xml = '';
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    switch (key) {
      case 'Attributes':
        xml += Object.entries(v as Record<string, unknown>)
          .map(([k, x]) =>
            element('Attribute', element('Name', escapeXml(k)) + element('Value', scalarXml(x))),
          )
          .join('');
        break;
      case 'Tags':
        xml += Object.entries(v as Record<string, unknown>)
          .map(([k, x]) =>
            element('Tag', element('Key', escapeXml(k)) + element('Value', scalarXml(x))),
          )
          .join('');
        break;
      case 'MessageAttributes':
        xml += messageAttributesXml(v as Record<string, Record<string, unknown>>);
        break;
      case 'QueueUrls':
      case 'queueUrls':
        xml += (v as unknown[]).map((url) => element('QueueUrl', scalarXml(url))).join('');
        break;
      case 'Messages':
        xml += (v as Record<string, unknown>[])
          .map((m) => element('Message', objectXml(m, entry)))
          .join('');
        break;
      case 'Successful':
        xml += (v as Record<string, unknown>[])
          .map((m) => element(entry, objectXml(m, entry)))
          .join('');
        break;
      case 'Failed':
        xml += (v as Record<string, unknown>[])
          .map((m) => element('BatchResultErrorEntry', objectXml(m, entry)))
          .join('');
        break;
      default:
        xml += element(key, scalarXml(v));
    }
  }
  return xml;
}

/**
 * The query-protocol answer to `action` whose JSON-protocol answer is `json`:
 * `<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>...`, with SQS's flattened
 * lists (`<QueueUrl>` per queue, `<Attribute><Name/><Value/></Attribute>` per attribute,
 * `<Message>` per message, `<SendMessageBatchResultEntry>` per batch entry).
 */
export function queryResponseXml(
  action: string,
  json: Record<string, unknown>,
  requestId: string = randomUUID(),
): string {
  const result = NO_RESULT.has(action)
    ? ''
    : element(`${action}Result`, objectXml(json, `${action}ResultEntry`));
  return (
    `<?xml version="1.0" encoding="UTF-8"?><${action}Response xmlns="${SQS_QUERY_NAMESPACE}">` +
    `${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>` +
    `</${action}Response>`
  );
}

/**
 * The query-protocol error code and HTTP status of a JSON-protocol SQS error: the code the JSON
 * protocol carries for query clients in `x-amzn-query-error` (`AWS.SimpleQueueService.NonExistentQueue;Sender`),
 * else the `__type` after its `#`.
 */
export function queryErrorCode(queryErrorHeader: string | undefined, type: string): string {
  const fromHeader = queryErrorHeader?.split(';')[0];
  return fromHeader || type.slice(type.indexOf('#') + 1) || 'InternalFailure';
}
