/**
 * Whether a role's trust policy lets a caller of this account assume it, as STS decides
 * AssumeRole: an Allow statement for `sts:AssumeRole` whose principal names the account (its id or
 * root ARN) or `*`, with the `Null` condition on `sts:ExternalId` the CDK bootstrap roles use.
 */

type Statement = {
  Effect?: unknown;
  Action?: unknown;
  Principal?: unknown;
  Condition?: unknown;
};

const list = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];

function namesAccount(principal: unknown, accountId: string): boolean {
  if (principal === '*') return true;
  const aws = (principal as { AWS?: unknown } | undefined)?.AWS;
  return list(aws).some(
    (p) => p === '*' || p === accountId || p === `arn:aws:iam::${accountId}:root`,
  );
}

/** Whether the statement's condition holds; conditions other than the ExternalId one never do. */
function conditionHolds(condition: unknown, externalId: string | undefined): boolean {
  if (condition === undefined) return true;
  const entries = Object.entries(condition as Record<string, Record<string, unknown>>);
  return entries.every(([operator, keys]) => {
    if (operator !== 'Null') return false;
    return Object.entries(keys).every(
      ([key, expected]) =>
        key === 'sts:ExternalId' && String(expected) === String(externalId === undefined),
    );
  });
}

/** Whether `trust` lets a caller of `accountId` assume the role, given the call's ExternalId. */
export function trusts(trust: unknown, accountId: string, externalId?: string): boolean {
  const statements = list((trust as { Statement?: unknown } | undefined)?.Statement) as Statement[];
  return statements.some(
    (s) =>
      s.Effect === 'Allow' &&
      list(s.Action).some((a) => a === 'sts:AssumeRole' || a === 'sts:*' || a === '*') &&
      namesAccount(s.Principal, accountId) &&
      conditionHolds(s.Condition, externalId),
  );
}
