/**
 * Resource policies (an SNS topic's policy, a KMS key's key policy) judged for a call by an AWS
 * service principal, as AWS judges a service's call on a resource: an explicit Deny wins, then an
 * Allow naming the service (or `*`) whose action, resource and conditions match; else denied.
 */
import { type ConditionBlock, conditionsHold, type RequestContext } from './conditions';
import { wildcardMatch } from './match';

/** A call by a service principal on a resource, and the condition keys it carries. */
export interface ServiceCall {
  /** e.g. `cloudwatch.amazonaws.com`. */
  readonly service: string;
  /** e.g. `sns:Publish`. */
  readonly action: string;
  /** The resource's ARN (for a key policy, the key's). */
  readonly resource: string;
  /** `aws:SourceAccount`, `aws:SourceArn`, `aws:SecureTransport`, ... */
  readonly context: RequestContext;
}

/** How a resource policy decided a call, and why in words. */
export type PolicyVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: string };

const list = (value: unknown): string[] =>
  value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);

/** Whether a statement's `Principal` names the service (or everyone). */
function namesService(principal: unknown, service: string): boolean {
  if (principal === '*') return true;
  if (!principal || typeof principal !== 'object') return false;
  const { Service, AWS } = principal as { Service?: unknown; AWS?: unknown };
  return list(Service).includes(service) || list(AWS).includes('*');
}

/** Whether one statement of the policy applies to the call. */
function applies(statement: Record<string, unknown>, call: ServiceCall): boolean {
  const condition = statement.Condition as Record<string, Record<string, unknown>> | undefined;
  const block: ConditionBlock | undefined = condition
    ? Object.fromEntries(
        Object.entries(condition).map(([op, keys]) => [
          op,
          Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, list(v)])),
        ]),
      )
    : undefined;
  return (
    namesService(statement.Principal, call.service) &&
    list(statement.Action).some((a) => wildcardMatch(a, call.action, true)) &&
    list(statement.Resource ?? '*').some((r) => wildcardMatch(r, call.resource, false)) &&
    conditionsHold(block, call.context)
  );
}

/**
 * Judges `call` against the policy `document` (parsed JSON, intrinsics resolved). `what` names the
 * policy in the reason, e.g. "the topic policy of arn:aws:sns:...".
 */
export function judgeServiceCall(
  document: unknown,
  call: ServiceCall,
  what: string,
): PolicyVerdict {
  const raw = (document as { Statement?: unknown } | undefined)?.Statement;
  const statements = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Record<string, unknown>[];
  let allowed = false;
  for (const [i, statement] of statements.entries()) {
    if (!applies(statement, call)) continue;
    if (statement.Effect === 'Deny') {
      const sid = typeof statement.Sid === 'string' ? statement.Sid : `statement ${i}`;
      return {
        allowed: false,
        reason: `${call.service} may not perform ${call.action} on ${call.resource}: ${what} denies it explicitly (${sid})`,
      };
    }
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed
    ? { allowed: true }
    : {
        allowed: false,
        reason: `${call.service} may not perform ${call.action} on ${call.resource}: no statement of ${what} allows it`,
      };
}
