/**
 * CloudFormation's stack lifecycle actions that need no change set from the caller: CreateStack,
 * UpdateStack, DeleteStack and UpdateTerminationProtection.
 */
import { type CfnRequest, deployRequest } from './request';

function deploy({ engine, params }: CfnRequest, type: 'CREATE' | 'UPDATE') {
  const stack = engine.deployStack({ ...deployRequest(params), type });
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
