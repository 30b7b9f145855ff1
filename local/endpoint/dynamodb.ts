// DynamoDB on the endpoint: role sessions' calls are authorized on their tables, then every call
// goes to dynalite.

import { dynamodbPermissions } from '../../aws/iam/actions';
import { type Call, denial, type ServiceHandler } from './call';
import { sendJsonError } from './protocol';
import type { Upstream } from './upstream';

const JSON_1_0 = 'application/x-amz-json-1.0';

/**
 * DynamoDB on the endpoint: checks the caller's permission on every table the call touches, then
 * hands it to dynalite. A denial is DynamoDB's own: `AccessDeniedException`, HTTP 400.
 */
export function dynamodbService(opts: {
  upstream: Upstream;
  region: string;
  accountId: string;
}): ServiceHandler {
  return (call: Call) => {
    if (call.session) {
      let params: Record<string, unknown>;
      try {
        // A single-table call names its table (and index) at the top level; an attribute value
        // cannot fake `"TableName":"` since quotes inside strings are escaped. Only batches and
        // transactions need the whole body parsed.
        const text = call.body.toString('utf8');
        const table = /Batch|Transact/.test(call.action)
          ? undefined
          : /"TableName":"([^"\\]+)"/.exec(text)?.[1];
        params = table
          ? { TableName: table, IndexName: /"IndexName":"([^"\\]+)"/.exec(text)?.[1] }
          : (JSON.parse(text || '{}') as Record<string, unknown>);
      } catch {
        sendJsonError(
          call.res,
          400,
          'com.amazon.coral.service#SerializationException',
          'Invalid JSON',
          {
            contentType: JSON_1_0,
          },
        );
        return;
      }
      const message = denial(
        call,
        dynamodbPermissions(call.action, params, opts.region, opts.accountId),
      );
      if (message) {
        sendJsonError(call.res, 400, 'com.amazon.coral.service#AccessDeniedException', message, {
          contentType: JSON_1_0,
        });
        return;
      }
    }
    opts.upstream(call.req, call.body, call.res);
  };
}
