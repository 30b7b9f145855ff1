/**
 * CloudFormation's stack lifecycle actions that need no change set from the caller: CreateStack,
 * UpdateStack, DeleteStack and UpdateTerminationProtection.
 */
import { type CfnRequest, givenParameters } from './request';

function deploy({ engine, params }: CfnRequest, type: 'CREATE' | 'UPDATE') {
  const stack = engine.deployStack({
    stackName: params.get('StackName') ?? '',
    type,
    templateBody: params.get('TemplateBody'),
    templateUrl: params.get('TemplateURL'),
    usePreviousTemplate: params.get('UsePreviousTemplate') === 'true',
    parameters: givenParameters(params),
  });
  return { StackId: stack.id };
}

export const createStack = (request: CfnRequest) => deploy(request, 'CREATE');
export const updateStack = (request: CfnRequest) => deploy(request, 'UPDATE');

export function deleteStack({ engine, params }: CfnRequest) {
  engine.deleteStack(params.get('StackName') ?? '');
  return {};
}

export function updateTerminationProtection({ engine, params }: CfnRequest) {
  const stack = engine.registry.get(params.get('StackName') ?? '');
  stack.terminationProtection = params.get('EnableTerminationProtection') === 'true';
  return { StackId: stack.id };
}
