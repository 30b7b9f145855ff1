// CloudFormation's DescribeStacks: the one stack, with its resolved outputs.

import type { StackRequest } from './stack-info';

/** DescribeStacks' result. */
export function describeStacks({ stack, created }: StackRequest) {
  return {
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
  };
}
