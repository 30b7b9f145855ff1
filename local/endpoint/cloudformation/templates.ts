/**
 * CloudFormation's template actions: GetTemplate, GetTemplateSummary and ValidateTemplate, which
 * read a stack's template or one given by body or URL.
 */
import type { Template } from '../../cloudformation/model';
import { readTemplate } from '../../cloudformation/template-source';
import type { FauxqsBuckets } from '../../sqs/fauxqs';
import type { CfnRequest } from './request';

export function getTemplate({ engine, params }: CfnRequest) {
  const stack = engine.registry.get(params.get('StackName') ?? '');
  const name = params.get('ChangeSetName');
  const changeSet = name
    ? [...stack.changeSets.values()].find((c) => c.name === name || c.id === name)
    : undefined;
  return {
    TemplateBody: changeSet?.templateBody ?? stack.templateBody,
    StagesAvailable: ['Original', 'Processed'],
  };
}

/** The template a summary or validation is about. */
function templateOf({ engine, params }: CfnRequest, buckets: FauxqsBuckets): Template {
  const stackName = params.get('StackName');
  if (stackName) return engine.registry.get(stackName).template;
  return readTemplate({ body: params.get('TemplateBody'), url: params.get('TemplateURL') }, buckets)
    .template;
}

function parametersOf(template: Template) {
  return Object.entries(template.Parameters ?? {}).map(([key, p]) => ({
    ParameterKey: key,
    DefaultValue: p.Default === undefined ? undefined : String(p.Default),
    ParameterType: p.Type,
    NoEcho: p.NoEcho === true || p.NoEcho === 'true',
    Description: (p as { Description?: string }).Description,
  }));
}

export function getTemplateSummary(request: CfnRequest, buckets: FauxqsBuckets) {
  const template = templateOf(request, buckets);
  return {
    Parameters: parametersOf(template),
    Description: template.Description,
    Capabilities: [],
    ResourceTypes: [...new Set(Object.values(template.Resources ?? {}).map((r) => r.Type))],
    Version: '2010-09-09',
    DeclaredTransforms: [],
  };
}

export function validateTemplate(request: CfnRequest, buckets: FauxqsBuckets) {
  const template = templateOf(request, buckets);
  return {
    Parameters: parametersOf(template).map(({ ParameterType: _, ...p }) => p),
    Description: template.Description,
    Capabilities: [],
  };
}
