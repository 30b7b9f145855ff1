/**
 * The resolver a stack operation evaluates its template with: the stack's parameter values and
 * conditions, its deployed resources' physical ids and attributes, and the exports of the others.
 */
import { IntrinsicResolver, type LocalResource } from '../../aws/template';
import type { DeployedResource, Template } from './model';
import type { StackRegistry } from './registry';

/** Local values of deployed resources, as the resolver reads them. */
export function localsOf(
  resources: ReadonlyMap<string, DeployedResource>,
): Map<string, LocalResource> {
  return new Map(
    [...resources].map(([id, r]) => [id, { ref: r.physicalId, attributes: r.attributes }]),
  );
}

/** A resolver for `template` in the stack named `stackName`, over `locals` (updated as resources are made). */
export function templateResolver(
  registry: StackRegistry,
  stack: { readonly name: string; readonly id: string },
  template: Template,
  values: Readonly<Record<string, string>>,
  locals: Map<string, LocalResource>,
): IntrinsicResolver {
  const exports = registry.exports();
  return new IntrinsicResolver(
    {
      stackName: stack.name,
      assemblyDir: '',
      resources: template.Resources ?? {},
      outputs: template.Outputs ?? {},
      parameters: template.Parameters ?? {},
      conditions: template.Conditions ?? {},
      parameterValues: values,
    },
    locals,
    {
      region: registry.region,
      accountId: registry.accountId,
      stackId: stack.id,
      importValue: (name) => exports.get(name)?.value,
    },
  );
}

/** The template's resources whose Condition holds. */
export function effectiveResources(
  template: Template,
  resolver: IntrinsicResolver,
): Template['Resources'] {
  return Object.fromEntries(
    Object.entries(template.Resources ?? {}).filter(
      ([, r]) => r.Condition === undefined || resolver.condition(r.Condition),
    ),
  );
}
