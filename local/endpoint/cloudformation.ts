import { type Call, denial, type ServiceHandler } from './call';
import { sendXmlError, sendXmlResult } from './protocol';

const NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

/** The running stack as CloudFormation describes it. */
export interface StackInfo {
  readonly stackName: string;
  readonly stackId: string;
  readonly description?: string;
  readonly outputs: readonly { key: string; value: string; description?: string }[];
  readonly resources: readonly { logicalId: string; physicalId: string; type: string }[];
  /** The template as GetTemplate returns it (JSON). */
  readonly templateBody?: string;
}

/**
 * CloudFormation on the endpoint (query protocol): DescribeStacks with the resolved outputs,
 * ListStackResources, DescribeStackResources and GetTemplate, so tools find the local stack
 * exactly as they find a deployed one.
 */
export function cloudFormationService(stack: StackInfo): ServiceHandler {
  const created = new Date().toISOString();
  return (call: Call) => {
    const params = call.query ?? new URLSearchParams();
    const asked = params.get('StackName');
    const stackDenied = () => {
      const message = denial(call, [
        { action: `cloudformation:${call.action}`, resource: stack.stackId },
      ]);
      if (message) sendXmlError(call.res, 403, 'AccessDenied', message, NS);
      return message !== undefined;
    };
    const known = () => {
      if (asked && asked !== stack.stackName && asked !== stack.stackId) {
        sendXmlError(call.res, 400, 'ValidationError', `Stack with id ${asked} does not exist`, NS);
        return false;
      }
      return true;
    };
    const resourceStatus = { ResourceStatus: 'CREATE_COMPLETE' };
    switch (call.action) {
      case 'DescribeStacks':
        if (stackDenied() || !known()) return;
        return sendXmlResult(call.res, NS, call.action, {
          Stacks: [
            {
              StackId: stack.stackId,
              StackName: stack.stackName,
              Description: stack.description,
              CreationTime: created,
              StackStatus: 'CREATE_COMPLETE',
              Outputs: stack.outputs.map((o) => ({
                OutputKey: o.key,
                OutputValue: o.value,
                Description: o.description,
              })),
            },
          ],
        });
      case 'ListStackResources':
        if (stackDenied() || !known()) return;
        return sendXmlResult(call.res, NS, call.action, {
          StackResourceSummaries: stack.resources.map((r) => ({
            LogicalResourceId: r.logicalId,
            PhysicalResourceId: r.physicalId,
            ResourceType: r.type,
            LastUpdatedTimestamp: created,
            ...resourceStatus,
          })),
        });
      case 'DescribeStackResources': {
        if (stackDenied() || !known()) return;
        const logicalId = params.get('LogicalResourceId');
        const physicalId = params.get('PhysicalResourceId');
        return sendXmlResult(call.res, NS, call.action, {
          StackResources: stack.resources
            .filter(
              (r) =>
                (!logicalId || r.logicalId === logicalId) &&
                (!physicalId || r.physicalId === physicalId),
            )
            .map((r) => ({
              StackName: stack.stackName,
              StackId: stack.stackId,
              LogicalResourceId: r.logicalId,
              PhysicalResourceId: r.physicalId,
              ResourceType: r.type,
              Timestamp: created,
              ...resourceStatus,
            })),
        });
      }
      case 'GetTemplate':
        if (stackDenied() || !known()) return;
        return sendXmlResult(call.res, NS, call.action, {
          TemplateBody: stack.templateBody ?? '{}',
          StagesAvailable: ['Original', 'Processed'],
        });
      default:
        return sendXmlError(
          call.res,
          400,
          'InvalidAction',
          `The local cloud does not support the CloudFormation action ${call.action}`,
          NS,
        );
    }
  };
}
