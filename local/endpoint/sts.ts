// STS on the endpoint: GetCallerIdentity, which names who signed the call.

import type { Call, ServiceHandler } from './call';
import { sendXmlError, sendXmlResult } from './protocol';

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/**
 * STS on the endpoint: GetCallerIdentity names the role session that signed the call, or the
 * account root for any other credentials (which act as administrator). Like AWS, it needs no
 * permission.
 */
export function stsService(accountId: string): ServiceHandler {
  return (call: Call) => {
    if (call.action !== 'GetCallerIdentity') {
      return sendXmlError(
        call.res,
        400,
        'InvalidAction',
        `The local cloud does not support the STS action ${call.action}`,
        NS,
      );
    }
    const session = call.session;
    sendXmlResult(call.res, NS, call.action, {
      UserId: session?.userId ?? accountId,
      Account: accountId,
      Arn: session?.principalArn ?? `arn:aws:iam::${accountId}:root`,
    });
  };
}
