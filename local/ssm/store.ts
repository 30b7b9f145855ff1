/**
 * SSM Parameter Store's parameters: what the CDK bootstrap stack writes (its version) and what a
 * template's `AWS::SSM::Parameter::Value<String>` parameters read at deploy time.
 */

/** A stored parameter. */
export interface Parameter {
  readonly name: string;
  readonly type: 'String' | 'StringList' | 'SecureString';
  readonly value: string;
  readonly version: number;
  readonly lastModified: Date;
  readonly description?: string;
}

/** A parameter call refused as SSM refuses it. */
export class ParameterError extends Error {
  constructor(
    /** SSM's error code (`ParameterNotFound`, `ParameterAlreadyExists`, ...). */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The parameters of one account and region, by name. */
export class ParameterStore {
  private readonly parameters = new Map<string, Parameter>();

  /** The parameter named `name`, or undefined. */
  find(name: string): Parameter | undefined {
    return this.parameters.get(name);
  }

  /**
   * The parameter named `name`.
   * @throws ParameterError `ParameterNotFound`
   */
  get(name: string): Parameter {
    const parameter = this.parameters.get(name);
    if (!parameter) throw new ParameterError('ParameterNotFound', `Parameter ${name} not found.`);
    return parameter;
  }

  /**
   * Creates or (with `overwrite`) replaces a parameter; returns its new version.
   * @throws ParameterError `ParameterAlreadyExists` when it exists and `overwrite` is not set
   */
  put(
    input: Omit<Parameter, 'version' | 'lastModified'> & { readonly overwrite?: boolean },
  ): number {
    const existing = this.parameters.get(input.name);
    if (existing && !input.overwrite) {
      throw new ParameterError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    const { overwrite: _, ...fields } = input;
    const version = (existing?.version ?? 0) + 1;
    this.parameters.set(input.name, { ...fields, version, lastModified: new Date() });
    return version;
  }

  /**
   * Deletes a parameter.
   * @throws ParameterError `ParameterNotFound`
   */
  delete(name: string): void {
    if (!this.parameters.delete(name))
      throw new ParameterError('ParameterNotFound', `Parameter ${name} not found.`);
  }

  /** The parameters under `path` (`/a/b`), directly or, with `recursive`, at any depth. */
  byPath(path: string, recursive: boolean): Parameter[] {
    const prefix = path.endsWith('/') ? path : `${path}/`;
    return [...this.parameters.values()].filter((p) => {
      if (!p.name.startsWith(prefix)) return false;
      return recursive || !p.name.slice(prefix.length).includes('/');
    });
  }
}
