/**
 * CloudFormation on the endpoint (query protocol): the router that authorizes each call and hands
 * it to its action over the local CloudFormation engine; errors keep CloudFormation's codes and
 * the messages the CDK CLI relies on.
 */
import type { LocalCloudFormation } from '../../cloudformation/engine';
import { CloudFormationError } from '../../cloudformation/registry';
import type { FauxqsBuckets } from '../../sqs/fauxqs';
import { type Call, denial, type ServiceHandler } from '../call';
import { sendXmlError, sendXmlResult } from '../protocol';
import * as changeSets from './change-sets';
import * as lifecycle from './lifecycle';
import type { CfnRequest } from './request';
import * as resources from './resources';
import * as stacks from './stacks';
import * as templates from './templates';

const NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

type Action = (request: CfnRequest, buckets: FauxqsBuckets) => unknown;

const ACTIONS: Record<string, Action> = {
  CreateChangeSet: changeSets.createChangeSet,
  DescribeChangeSet: changeSets.describeChangeSet,
  ExecuteChangeSet: changeSets.executeChangeSet,
  DeleteChangeSet: changeSets.deleteChangeSet,
  ListChangeSets: changeSets.listChangeSets,
  DescribeStacks: stacks.describeStacks,
  ListStacks: stacks.listStacks,
  ListExports: stacks.listExports,
  DescribeStackEvents: resources.describeStackEvents,
  DescribeStackResource: resources.describeStackResource,
  DescribeStackResources: resources.describeStackResources,
  ListStackResources: resources.listStackResources,
  GetTemplate: templates.getTemplate,
  GetTemplateSummary: templates.getTemplateSummary,
  ValidateTemplate: templates.validateTemplate,
  CreateStack: lifecycle.createStack,
  UpdateStack: lifecycle.updateStack,
  DeleteStack: lifecycle.deleteStack,
  UpdateTerminationProtection: lifecycle.updateTerminationProtection,
};

/**
 * What CloudFormation answers a StackName given empty (the SDK sends `StackName=` for ''), for any
 * action: it checks the name's pattern and length before the action runs. No StackName at all is
 * another matter, which each action answers (DescribeStacks lists every stack).
 */
const EMPTY_STACK_NAME =
  "2 validation errors detected: Value '' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*; Value '' at 'stackName' failed to satisfy constraint: Member must have length greater than or equal to 1";

/** The ARN a call's permission is checked on: its stack's, or `*` for account-wide calls. */
function resourceOf(engine: LocalCloudFormation, params: URLSearchParams): string {
  const name = params.get('StackName');
  if (!name) return '*';
  const { region, accountId } = engine.registry;
  return (
    engine.registry.find(name)?.id ??
    `arn:aws:cloudformation:${region}:${accountId}:stack/${name}/*`
  );
}

/** CloudFormation on the endpoint, over `engine`; templates by URL are read from `buckets`. */
export function cloudFormationService(
  engine: LocalCloudFormation,
  buckets: FauxqsBuckets,
): ServiceHandler {
  return (call: Call) => {
    const action = ACTIONS[call.action];
    if (!action) {
      const message = `The local cloud does not support the CloudFormation action ${call.action}`;
      return sendXmlError(call.res, 400, 'InvalidAction', message, NS);
    }
    const params = call.query ?? new URLSearchParams();
    const refused = denial(call, [
      { action: `cloudformation:${call.action}`, resource: resourceOf(engine, params) },
    ]);
    if (refused) return sendXmlError(call.res, 403, 'AccessDenied', refused, NS);
    let result: unknown;
    try {
      if (params.get('StackName') === '')
        throw new CloudFormationError('ValidationError', EMPTY_STACK_NAME);
      result = action({ engine, params }, buckets);
    } catch (error) {
      if (!(error instanceof CloudFormationError)) throw error;
      return sendXmlError(call.res, error.status, error.code, error.message, NS);
    }
    sendXmlResult(call.res, NS, call.action, result);
  };
}
