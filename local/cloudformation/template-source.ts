/**
 * Where a template comes from: a `TemplateBody` (JSON or YAML, as the CDK CLI sends it) or a
 * `TemplateURL` naming an object in the local S3, in any of the URL forms the CLI builds.
 */
import { createRequire } from 'node:module';
import { Recent } from '../engine/recent';
import type { FauxqsBuckets } from '../sqs/fauxqs';
import type { Template } from './model';
import { CloudFormationError } from './registry';

/** The bucket and key a template URL names: `https://s3.REGION.amazonaws.com/B/K`, `https://B.s3...`, the endpoint's own path style. */
function objectOf(url: string): { bucket: string; key: string } {
  const parsed = new URL(url);
  const path = decodeURIComponent(parsed.pathname).slice(1);
  const virtualHost = /^(.+)\.s3[.-]/.exec(parsed.hostname);
  if (virtualHost?.[1]) return { bucket: virtualHost[1], key: path };
  const [bucket = '', ...key] = path.split('/');
  return { bucket, key: key.join('/') };
}

/**
 * The template's text and parsed form.
 * @throws CloudFormationError ValidationError for a missing, unreadable or malformed template
 */
export function readTemplate(
  source: { body?: string | null; url?: string | null },
  buckets: FauxqsBuckets,
): { template: Template; body: string } {
  let body = source.body ?? undefined;
  if (body === undefined && source.url) {
    const { bucket, key } = objectOf(source.url);
    const object = buckets.read(bucket, key);
    if (!object)
      throw new CloudFormationError(
        'ValidationError',
        `S3 error: Access Denied or no such object at ${source.url}`,
      );
    body = object.toString('utf8');
  }
  if (body === undefined)
    throw new CloudFormationError(
      'ValidationError',
      'Either Template URL or Template Body must be specified.',
    );
  const template = parseTemplate(body);
  if (template === null || typeof template !== 'object' || Array.isArray(template))
    throw new CloudFormationError(
      'ValidationError',
      'Template format error: not a JSON or YAML object',
    );
  if (!('Resources' in template))
    throw new CloudFormationError(
      'ValidationError',
      'Template format error: At least one Resources member must be defined.',
    );
  return { template: template as Template, body };
}

/** The last few YAML templates parsed, by their text: `CDKToolkit`'s, on every bootstrap check. */
const parsedYaml = new Recent<string, unknown>(4);

/**
 * A template's text parsed. JSON (what the CDK synthesizes) by `JSON.parse`, a hundred times faster
 * than the YAML parser on the same text (0.15 ms against 27 ms for the pipeline's 49 KB); YAML
 * (the bootstrap template) by the YAML parser, its result kept for the next parse of the same text
 * and handed out as a copy, since the engine may change what it is given.
 * @throws CloudFormationError ValidationError for text that is neither
 */
function parseTemplate(body: string): unknown {
  if (body.trimStart().startsWith('{')) {
    try {
      return JSON.parse(body);
    } catch {
      // A YAML flow mapping (`{Resources: …}`) is not JSON: the YAML parser decides.
    }
  }
  return structuredClone(parsedYaml.get(body, () => parseYamlTemplate(body)));
}

/**
 * The YAML parser, loaded at the first YAML template: only `cdk bootstrap`'s is YAML, and loading
 * the parser took about 60 ms of CPU at every start of an engine that never needs it.
 */
const yaml = () => createRequire(import.meta.url)('yaml') as typeof import('yaml');

/**
 * A YAML template parsed.
 * @throws CloudFormationError ValidationError naming what the YAML parser found wrong
 */
export function parseYamlTemplate(body: string): unknown {
  try {
    return yaml().parse(body, { uniqueKeys: false });
  } catch (error) {
    throw new CloudFormationError(
      'ValidationError',
      `Template format error: ${(error as Error).message}`,
    );
  }
}
