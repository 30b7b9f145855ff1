/**
 * IAM policy conditions, for the operators and context keys the CDK bootstrap roles and CDK's
 * grants use: the string, ARN, Bool and Null operators (with `IfExists`), over the request's
 * account keys. A key the request does not carry is absent, as in IAM: only `Null` and
 * `...IfExists` match then.
 */
import { wildcardMatch } from './match';

/** A statement's `Condition` block: operator, then context key, then the values to compare. */
export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

/** The request context condition keys are read from (`aws:ResourceAccount`, ...). */
export type RequestContext = Readonly<Record<string, string | undefined>>;

type Compare = (actual: string, expected: string) => boolean;

const COMPARISONS: Record<string, { compare: Compare; negated?: boolean }> = {
  StringEquals: { compare: (a, e) => a === e },
  StringNotEquals: { compare: (a, e) => a === e, negated: true },
  StringEqualsIgnoreCase: { compare: (a, e) => a.toLowerCase() === e.toLowerCase() },
  StringNotEqualsIgnoreCase: {
    compare: (a, e) => a.toLowerCase() === e.toLowerCase(),
    negated: true,
  },
  StringLike: { compare: (a, e) => wildcardMatch(e, a, false) },
  StringNotLike: { compare: (a, e) => wildcardMatch(e, a, false), negated: true },
  ArnEquals: { compare: (a, e) => a === e },
  ArnNotEquals: { compare: (a, e) => a === e, negated: true },
  ArnLike: { compare: (a, e) => wildcardMatch(e, a, false) },
  ArnNotLike: { compare: (a, e) => wildcardMatch(e, a, false), negated: true },
  Bool: { compare: (a, e) => a.toLowerCase() === e.toLowerCase() },
};

/** Whether the evaluator knows `operator` (with or without `IfExists`). */
export function knownOperator(operator: string): boolean {
  return operator === 'Null' || operator.replace(/IfExists$/, '') in COMPARISONS;
}

function holds(
  operator: string,
  key: string,
  expected: readonly string[],
  context: RequestContext,
): boolean {
  const actual = context[key];
  if (operator === 'Null')
    return expected.some((e) => e.toLowerCase() === String(actual === undefined));
  const ifExists = operator.endsWith('IfExists');
  const comparison = COMPARISONS[operator.replace(/IfExists$/, '')];
  if (!comparison) return false;
  if (actual === undefined) return ifExists;
  const matched = expected.some((e) => comparison.compare(actual, e));
  return comparison.negated ? !matched : matched;
}

/** Whether every condition of the block holds for the request. */
export function conditionsHold(
  block: ConditionBlock | undefined,
  context: RequestContext,
): boolean {
  if (!block) return true;
  return Object.entries(block).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => holds(operator, key, expected, context)),
  );
}

/** The account an ARN belongs to; S3 ARNs carry none, so S3 resources are the local account's. */
export function resourceAccount(resource: string, localAccount: string): string | undefined {
  const account = resource.split(':')[4];
  if (account) return account;
  return resource.startsWith('arn:aws:s3:::') ? localAccount : undefined;
}
