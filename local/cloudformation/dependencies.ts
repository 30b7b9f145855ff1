/**
 * The order CloudFormation works in: a resource is created after everything it refers to (`Ref`,
 * `Fn::GetAtt`, `Fn::Sub` placeholders, `DependsOn`) and deleted before it.
 */
import type { TemplateResource } from './model';

/** The logical ids of `resources` that `value` refers to. */
function referencesIn(value: unknown, resources: ReadonlySet<string>, found: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) referencesIn(item, resources, found);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, arg] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'Ref' && typeof arg === 'string' && resources.has(arg)) found.add(arg);
    else if (key === 'Fn::GetAtt') {
      const id = Array.isArray(arg) ? arg[0] : String(arg).split('.')[0];
      if (typeof id === 'string' && resources.has(id)) found.add(id);
    } else if (key === 'Fn::Sub') {
      const text = Array.isArray(arg) ? arg[0] : arg;
      for (const match of String(text).matchAll(/\$\{([^!}][^}.]*)/g)) {
        if (match[1] && resources.has(match[1])) found.add(match[1]);
      }
      if (Array.isArray(arg)) referencesIn(arg[1], resources, found);
    } else referencesIn(arg, resources, found);
  }
}

/** What each resource depends on, among `resources`. */
export function dependencies(
  resources: Readonly<Record<string, TemplateResource>>,
): Map<string, Set<string>> {
  const ids = new Set(Object.keys(resources));
  const graph = new Map<string, Set<string>>();
  for (const [id, resource] of Object.entries(resources)) {
    const found = new Set<string>();
    referencesIn(resource.Properties, ids, found);
    const dependsOn = resource.DependsOn;
    for (const d of Array.isArray(dependsOn) ? dependsOn : dependsOn ? [dependsOn] : [])
      if (ids.has(d)) found.add(d);
    found.delete(id);
    graph.set(id, found);
  }
  return graph;
}

/**
 * The resources in creation order: each after what it depends on.
 * @throws Error naming the resources of a circular dependency
 */
export function creationOrder(resources: Readonly<Record<string, TemplateResource>>): string[] {
  const graph = dependencies(resources);
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]) => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting')
      throw new Error(`Circular dependency between resources: [${[...path, id].join(', ')}]`);
    state.set(id, 'visiting');
    for (const dependency of graph.get(id) ?? []) visit(dependency, [...path, id]);
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of Object.keys(resources).sort()) visit(id, []);
  return order;
}
