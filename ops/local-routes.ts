/**
 * The routes a local cloud serves beside the AWS APIs on its endpoint (the SQS peek, the alarm
 * notifications): where they are, and their JSON answers. Other targets have none.
 */
import type { Target } from './target';

/** The endpoint of a local cloud, which serves its own routes; undefined for any other target. */
export function localEndpoint(target: Pick<Target, 'kind' | 'clientConfig'>): string | undefined {
  return target.kind === 'local' ? target.clientConfig('sqs').endpoint : undefined;
}

/** A local route's JSON answer, or undefined when the endpoint does not serve it. */
export async function readLocalRoute<T>(
  endpoint: string,
  pathAndQuery: string,
): Promise<T | undefined> {
  const response = await fetch(`${endpoint}${pathAndQuery}`, {
    headers: { accept: 'application/json' },
  });
  if (!response.ok) {
    await response.body?.cancel();
    return undefined;
  }
  return (await response.json()) as T;
}
