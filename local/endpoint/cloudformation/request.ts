/**
 * A CloudFormation call as its actions see it: the engine, the query parameters, and the helpers
 * that read the query protocol's lists (`Parameters.member.1.ParameterKey`, ...).
 */
import type { LocalCloudFormation } from '../../cloudformation/engine';
import type { GivenParameter } from '../../cloudformation/parameters';

/** What each action gets. */
export interface CfnRequest {
  readonly engine: LocalCloudFormation;
  readonly params: URLSearchParams;
}

/** A list parameter's members: `Name.member.1`, `Name.member.2`, ... */
export function members(params: URLSearchParams, name: string): string[] {
  const found: string[] = [];
  for (let i = 1; params.has(`${name}.member.${i}`); i += 1)
    found.push(params.get(`${name}.member.${i}`) ?? '');
  return found;
}

/** The `Parameters` list of CreateChangeSet, CreateStack and UpdateStack. */
export function givenParameters(params: URLSearchParams): GivenParameter[] {
  const found: GivenParameter[] = [];
  for (let i = 1; params.has(`Parameters.member.${i}.ParameterKey`); i += 1) {
    const at = `Parameters.member.${i}`;
    const value = params.get(`${at}.ParameterValue`);
    found.push({
      key: params.get(`${at}.ParameterKey`) ?? '',
      ...(value !== null ? { value } : {}),
      usePrevious: params.get(`${at}.UsePreviousValue`) === 'true',
    });
  }
  return found;
}

/** An ISO timestamp, as the query protocol carries them. */
export const iso = (date: Date | undefined) => date?.toISOString();

/** What CreateChangeSet, CreateStack and UpdateStack share: the stack, the template, the parameters. */
export function deployRequest(params: URLSearchParams) {
  return {
    stackName: params.get('StackName') ?? '',
    templateBody: params.get('TemplateBody'),
    templateUrl: params.get('TemplateURL'),
    usePreviousTemplate: params.get('UsePreviousTemplate') === 'true',
    parameters: givenParameters(params),
  };
}
