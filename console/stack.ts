/**
 * What the console reads about the stack itself, once per console: its resources
 * (ListStackResources) and its template (GetTemplate), through CloudFormation on any target.
 */
import { GetTemplateCommand, paginateListStackResources } from '@aws-sdk/client-cloudformation';
import { type ConsoleContext, upstream } from './context';

/** A resource of the stack: its logical id, physical id (a queue's URL, a function's name) and type. */
export interface StackResource {
  readonly logicalId: string;
  readonly physicalId: string;
  readonly type: string;
}

/** A template resource, as far as the console reads one. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** The stack's resources and template, each read once; a failure is kept as a note, not thrown. */
export class StackReader {
  private resourcesRead?: Promise<StackResource[]>;
  private templateRead?: Promise<Record<string, TemplateResource> | undefined>;
  /** Why something the stack could tell is missing (no CloudFormation access, say). */
  readonly notes: string[] = [];

  constructor(private readonly ctx: ConsoleContext) {}

  /** Every resource of the stack; empty (with a note) when CloudFormation cannot be read. */
  resources(): Promise<StackResource[]> {
    this.resourcesRead ??= (async () => {
      const found: StackResource[] = [];
      try {
        for await (const page of paginateListStackResources(
          { client: this.ctx.cloudformation() },
          { StackName: this.ctx.target.stackName },
        )) {
          for (const r of page.StackResourceSummaries ?? []) {
            found.push({
              logicalId: r.LogicalResourceId ?? '',
              physicalId: r.PhysicalResourceId ?? '',
              type: r.ResourceType ?? '',
            });
          }
        }
      } catch (error) {
        this.notes.push(
          `Only the queues in the stack outputs are shown: ${upstream(`ListStackResources on ${this.ctx.target.stackName}`, error).message}.`,
        );
      }
      return found;
    })();
    return this.resourcesRead;
  }

  /** The template's resources by logical id; undefined (with a note) when it cannot be read. */
  template(): Promise<Record<string, TemplateResource> | undefined> {
    this.templateRead ??= (async () => {
      try {
        const { TemplateBody = '{}' } = await this.ctx
          .cloudformation()
          .send(new GetTemplateCommand({ StackName: this.ctx.target.stackName }));
        const body = JSON.parse(TemplateBody) as { Resources?: Record<string, TemplateResource> };
        return body.Resources ?? {};
      } catch (error) {
        this.notes.push(
          `The alarms are the console's own, not the template's: ${upstream(`GetTemplate on ${this.ctx.target.stackName}`, error).message}.`,
        );
        return undefined;
      }
    })();
    return this.templateRead;
  }
}
