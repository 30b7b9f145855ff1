/**
 * KMS keys CloudFormation made, with their key policies and aliases: what the local cloud reads to
 * decide whether a service (CloudWatch publishing to an encrypted topic) may use a key.
 */

/** The AWS managed key SNS encrypts with when asked for `alias/aws/sns`. */
export const AWS_MANAGED_SNS_KEY = 'alias/aws/sns';

/** A customer-managed key. */
export interface LocalKey {
  readonly id: string;
  readonly arn: string;
  /** The key policy, intrinsics resolved. */
  readonly policy: unknown;
}

/** The keys and aliases of the local cloud. */
export class KeyStore {
  private readonly keys = new Map<string, LocalKey>();
  private readonly aliases = new Map<string, string>();

  put(key: LocalKey): void {
    this.keys.set(key.id, key);
  }

  delete(id: string): void {
    this.keys.delete(id);
  }

  /** Points `alias` (`alias/NAME`) at the key `target` names. */
  alias(alias: string, target: string): void {
    this.aliases.set(alias, target);
  }

  unalias(alias: string): void {
    this.aliases.delete(alias);
  }

  /** The key a key id, key ARN, alias name or alias ARN names, if the local cloud made it. */
  find(reference: string): LocalKey | undefined {
    const alias = /(?:^|:)(alias\/.+)$/.exec(reference)?.[1];
    const target = alias ? this.aliases.get(alias) : reference;
    if (!target) return undefined;
    const id = target.split('/').at(-1) ?? target;
    return this.keys.get(id);
  }
}

/** Whether `reference` names the AWS managed SNS key (by alias name or alias ARN). */
export function isAwsManagedSnsKey(reference: string): boolean {
  return reference === AWS_MANAGED_SNS_KEY || reference.endsWith(`:${AWS_MANAGED_SNS_KEY}`);
}
