// The running stack as the CloudFormation API on the endpoint describes it.

/** The running stack as CloudFormation describes it. */
export interface StackInfo {
  readonly stackName: string;
  readonly stackId: string;
  readonly description?: string;
  readonly outputs: readonly { key: string; value: string; description?: string }[];
  readonly resources: readonly { logicalId: string; physicalId: string; type: string }[];
  /** The template the stack runs, as GetTemplate returns it (JSON). */
  readonly templateBody?: string;
}

/** What each CloudFormation action gets: the stack, the call's parameters, when the stack was created. */
export interface StackRequest {
  readonly stack: StackInfo;
  readonly params: URLSearchParams;
  /** ISO time, as every timestamp of the stack and its resources. */
  readonly created: string;
}
