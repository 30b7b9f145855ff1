// CloudFormation on the endpoint: the router that checks a call against the one stack and hands
// it to its action.

import { type Call, denial, type ServiceHandler } from '../call';
import { sendXmlError, sendXmlResult } from '../protocol';
import { describeStacks } from './describe-stacks';
import { getTemplate } from './get-template';
import type { StackInfo, StackRequest } from './stack-info';
import { describeStackResources, listStackResources } from './stack-resources';

export type { StackInfo } from './stack-info';

const NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

/** An action: the result it answers with, in the query protocol's XML. */
type StackAction = (request: StackRequest) => unknown;

const ACTIONS = new Map<string, StackAction>([
  ['DescribeStacks', describeStacks],
  ['ListStackResources', listStackResources],
  ['DescribeStackResources', describeStackResources],
  ['GetTemplate', getTemplate],
]);

/**
 * CloudFormation on the endpoint (query protocol): DescribeStacks with the resolved outputs,
 * ListStackResources, DescribeStackResources and GetTemplate, so tools find the local stack (and
 * read its IAM policies) exactly as they find a deployed one.
 */
export function cloudFormationService(stack: StackInfo): ServiceHandler {
  const created = new Date().toISOString();
  return (call: Call) => {
    const action = ACTIONS.get(call.action);
    if (!action) {
      return sendXmlError(
        call.res,
        400,
        'InvalidAction',
        `The local cloud does not support the CloudFormation action ${call.action}`,
        NS,
      );
    }
    const params = call.query ?? new URLSearchParams();
    if (refused(call, stack) || !known(call, stack, params.get('StackName'))) return;
    sendXmlResult(call.res, NS, call.action, action({ stack, params, created }));
  };
}

/** Answers AccessDenied when the caller may not do the call's action on the stack; true if it did. */
function refused(call: Call, stack: StackInfo): boolean {
  const message = denial(call, [
    { action: `cloudformation:${call.action}`, resource: stack.stackId },
  ]);
  if (message) sendXmlError(call.res, 403, 'AccessDenied', message, NS);
  return message !== undefined;
}

/** Whether `asked` (a StackName parameter, by name or id) is the stack; answers ValidationError if not. */
function known(call: Call, stack: StackInfo, asked: string | null): boolean {
  if (asked && asked !== stack.stackName && asked !== stack.stackId) {
    sendXmlError(call.res, 400, 'ValidationError', `Stack with id ${asked} does not exist`, NS);
    return false;
  }
  return true;
}
