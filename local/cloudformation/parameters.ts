/**
 * A deploy's parameter values as CloudFormation settles them: the given value, the previous one
 * (`UsePreviousValue`) or the default, with `AWS::SSM::Parameter::Value<...>` parameters read from
 * the local Parameter Store; then the template's Rules checked against them.
 */
import type { IntrinsicResolver } from '../../aws/template';
import type { ParameterStore } from '../ssm/store';
import type { Template } from './model';
import { CloudFormationError } from './registry';

/** A parameter as the API passes it. */
export interface GivenParameter {
  readonly key: string;
  readonly value?: string;
  readonly usePrevious?: boolean;
}

/** The value of every parameter of `template`, as given; what the stack records. */
export function parameterValues(
  template: Template,
  given: readonly GivenParameter[],
  previous: Readonly<Record<string, string>>,
): Record<string, string> {
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const [key, declared] of Object.entries(template.Parameters ?? {})) {
    const input = given.find((p) => p.key === key);
    const value = input?.usePrevious ? previous[key] : (input?.value ?? declared.Default);
    if (value === undefined) missing.push(key);
    else values[key] = Array.isArray(value) ? value.join(',') : String(value);
  }
  if (missing.length > 0)
    throw new CloudFormationError(
      'ValidationError',
      `Parameters: [${missing.join(', ')}] must have values`,
    );
  return values;
}

/** The values templates resolve with: SSM-typed parameters replaced by the parameter's value. */
export function resolvedValues(
  template: Template,
  values: Readonly<Record<string, string>>,
  store: ParameterStore,
): Record<string, string> {
  const resolved = { ...values };
  for (const [key, declared] of Object.entries(template.Parameters ?? {})) {
    if (!declared.Type?.startsWith('AWS::SSM::Parameter::Value<')) continue;
    const name = values[key] ?? '';
    const parameter = store.find(name);
    if (!parameter) {
      throw new CloudFormationError(
        'ValidationError',
        `Unable to fetch parameters [${name}] from parameter store for this account.`,
      );
    }
    resolved[key] = parameter.value;
  }
  return resolved;
}

/**
 * Checks the template's Rules, as CloudFormation does before it makes a change set.
 * @throws CloudFormationError with the failed assertion's description
 */
export function checkRules(template: Template, resolver: IntrinsicResolver): void {
  for (const [name, rule] of Object.entries(template.Rules ?? {})) {
    for (const assertion of rule.Assertions ?? []) {
      if (resolver.resolve(assertion.Assert, `Rules.${name}`) === true) continue;
      throw new CloudFormationError(
        'ValidationError',
        assertion.AssertDescription ?? `Rule ${name} failed`,
      );
    }
  }
}
