/** A stack's outputs resolved after a deploy, with their export names. */
import type { IntrinsicResolver } from '../../aws/template';
import type { StackOutput, Template } from './model';

export function resolveOutputs(template: Template, resolver: IntrinsicResolver): StackOutput[] {
  const outputs: StackOutput[] = [];
  for (const [key, output] of Object.entries(template.Outputs ?? {})) {
    const condition = (output as { Condition?: string }).Condition;
    if (condition !== undefined && !resolver.condition(condition)) continue;
    const exportName = output.Export
      ? resolver.string(output.Export.Name, `Outputs.${key}.Export.Name`)
      : undefined;
    outputs.push({
      key,
      value: resolver.string(output.Value, `Outputs.${key}.Value`),
      ...(output.Description ? { description: output.Description } : {}),
      ...(exportName ? { exportName } : {}),
    });
  }
  return outputs;
}
