/**
 * `AWS::Lambda::Function`: a function run from the deployment package the deploy uploaded to the
 * local S3 (or its inline `ZipFile`), with its execution role's session, as Lambda runs it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type FunctionSpec, handlerEntry } from '../../lambda/function-spec';
import type { FauxqsBuckets } from '../../sqs/fauxqs';
import type { DeployedResource } from '../model';
import { appServices, generatedName, type ResourceContext, type ResourceHandler } from './handler';

type Props = Record<string, unknown>;

/**
 * The directory holding the function's code: the inline source, or the S3 object unpacked; an
 * object published from a local asset directory runs from that directory, holding the same files.
 */
function codeDir(ctx: ResourceContext, name: string, code: Props): string {
  const app = appServices(ctx);
  if (typeof code.ZipFile === 'string') {
    const dir = mkdtempSync(join(app.compute.codeRoot, `${name}-`));
    writeFileSync(join(dir, 'index.js'), code.ZipFile);
    return dir;
  }
  const bucket = String(code.S3Bucket);
  const key = String(code.S3Key);
  const zip = deploymentPackage(ctx.services.buckets, bucket, key);
  return app.assetDirs.get(`${bucket}/${key}`) ?? app.compute.unpack(name, zip);
}

/**
 * A deployment package from the local S3, as Lambda reads the one a function's code names.
 * @throws Error with Lambda's message when there is no such object
 */
export function deploymentPackage(buckets: FauxqsBuckets, bucket: string, key: string): Buffer {
  const zip = buckets.read(bucket, key);
  if (!zip)
    throw new Error(
      `Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist. (${bucket}/${key})`,
    );
  return zip;
}

/** The function as the runtime runs it. */
function specOf(ctx: ResourceContext, name: string, props: Props, dir: string): FunctionSpec {
  const runtime = String(props.Runtime ?? '');
  if (!runtime.startsWith('nodejs'))
    throw new Error(
      `The local cloud runs Node.js functions only, got runtime ${runtime || 'none'}`,
    );
  const { entry, handlerName } = handlerEntry(dir, String(props.Handler ?? 'index.handler'));
  const variables =
    (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const logging = props.LoggingConfig as { LogFormat?: unknown; LogGroup?: unknown } | undefined;
  return {
    logicalId: ctx.logicalId,
    name,
    entry,
    handlerName,
    runtime,
    timeoutSeconds: Number(props.Timeout ?? 3),
    memorySize: Number(props.MemorySize ?? 128),
    environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
    logFormat: logging?.LogFormat === 'JSON' ? 'JSON' : 'Text',
    ...(typeof logging?.LogGroup === 'string' ? { logGroup: logging.LogGroup } : {}),
  };
}

/** The execution role's session, named for the function as Lambda names it. */
function sessionOf(ctx: ResourceContext, name: string, props: Props) {
  const role = ctx.services.roles.find(String(props.Role ?? ''));
  if (!role)
    throw new Error(
      `The role defined for the function cannot be assumed by Lambda: ${String(props.Role)}`,
    );
  return ctx.services.sessions.issue(ctx.services.roles.policiesOf(role), name);
}

function provisioned(ctx: ResourceContext, name: string) {
  return { physicalId: name, attributes: { Arn: appServices(ctx).compute.arnOf(name) } };
}

export const lambdaFunction: ResourceHandler = {
  replaceOn: ['FunctionName', 'PackageType'],
  create(ctx, props) {
    const name =
      typeof props.FunctionName === 'string' ? props.FunctionName : generatedName(ctx, 64);
    const { compute } = appServices(ctx);
    if (compute.functions.has(name)) throw new Error(`Function already exist: ${name}`);
    const spec = specOf(ctx, name, props, codeDir(ctx, name, (props.Code ?? {}) as Props));
    compute.addFunction(
      spec,
      appServices(ctx).iam ? sessionOf(ctx, name, props) : undefined,
      props,
    );
    return provisioned(ctx, name);
  },
  async update(ctx, current: DeployedResource, props) {
    const name = current.physicalId;
    const { compute } = appServices(ctx);
    const codeChanged = JSON.stringify(current.properties.Code) !== JSON.stringify(props.Code);
    const dir = codeChanged ? codeDir(ctx, name, (props.Code ?? {}) as Props) : undefined;
    const runner = compute.runner(name);
    const spec = specOf(ctx, name, props, dir ?? dirname(runner.spec.entry));
    await runner.updateConfiguration(spec);
    return provisioned(ctx, name);
  },
  delete: (ctx, current) => appServices(ctx).compute.removeFunction(current.physicalId),
};
