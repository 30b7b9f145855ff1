// Which Lambda REST operation a request names: the gateway asks it to tell Lambda calls apart from
// the other services', the Lambda router to read the path.

/** Where Lambda's REST API lives: the API version every current SDK calls. */
export const LAMBDA_PATH_PREFIX = '/2015-03-31';

/** Recognises the Lambda REST paths and names their operation; undefined for any other path. */
export function lambdaOperation(method: string, path: string): string | undefined {
  if (!path.startsWith(`${LAMBDA_PATH_PREFIX}/`)) return undefined;
  const parts = path.slice(LAMBDA_PATH_PREFIX.length + 1).split('/');
  const [collection, id, sub] = parts;
  if (collection === 'functions') {
    if (!id) return method === 'GET' ? 'ListFunctions' : 'CreateFunction';
    if (sub === 'invocations' && method === 'POST') return 'Invoke';
    if (sub === 'configuration' && method === 'GET') return 'GetFunctionConfiguration';
    if (sub === 'configuration' && method === 'PUT') return 'UpdateFunctionConfiguration';
    if (sub === 'versions' && method === 'POST') return 'PublishVersion';
    if (sub === 'code' && method === 'PUT') return 'UpdateFunctionCode';
    if (sub === undefined && method === 'GET') return 'GetFunction';
  }
  if (collection === 'event-source-mappings') {
    if (!id) return method === 'GET' ? 'ListEventSourceMappings' : 'CreateEventSourceMapping';
    if (method === 'GET') return 'GetEventSourceMapping';
    if (method === 'PUT') return 'UpdateEventSourceMapping';
    if (method === 'DELETE') return 'DeleteEventSourceMapping';
  }
  return `${method} ${path}`;
}
