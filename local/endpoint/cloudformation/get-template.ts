// CloudFormation's GetTemplate: the template the stack runs, so tools can read its IAM policies.

import type { StackRequest } from './stack-info';

/** GetTemplate's result. */
export function getTemplate({ stack }: StackRequest) {
  return {
    TemplateBody: stack.templateBody ?? '{}',
    StagesAvailable: ['Original', 'Processed'],
  };
}
