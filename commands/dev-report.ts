/**
 * What `npm run dev` shows: the functions' log lines labelled and coloured, what hot reload and
 * infrastructure changes did, and the banner saying where everything is.
 */
import { Output, QUEUES, queueOutputs } from '../contract/contract';
import type { LocalCloud } from '../local/cloud';
import type { ReloadEvent } from '../local/dev/hot-reload';
import type { InfraEvent } from '../local/dev/session';
import { functionRuntimes } from '../local/session/function-runtimes';
import { consoleUrlOf } from '../local/session/session';
import { FUNCTION_OUTPUTS } from '../ops/functions';
import { formatLogLine, isProblem } from '../ops/log-format';
import { colourFor } from './terminal';

/** What the source of a line is called on screen, and its colour's index. */
interface Label {
  readonly name: string;
  readonly index: number;
}

/** Prints function lines and diagnostics for a person: labelled, coloured, JSON indented. */
export function logPrinter(options: { quiet: boolean; verbose: boolean }) {
  const labels = new Map<string, Label>();
  const format = { colour: colourFor(), pretty: true };
  const local: Label = { name: 'local', index: Object.keys(FUNCTION_OUTPUTS).length };
  return {
    /** Names each function by its short name (`requestor`), in the colour order of the list. */
    nameFunctions(cloud: LocalCloud): void {
      for (const [index, [label, key]] of Object.entries(FUNCTION_OUTPUTS).entries()) {
        const name = cloud.outputs[key];
        if (name) labels.set(name, { name: label, index });
      }
    },
    line(line: string, functionName?: string): void {
      if (!options.verbose && line.includes('"_aws"')) return;
      if (options.quiet && !isProblem(line)) return;
      const label = functionName
        ? (labels.get(functionName) ?? { name: functionName, index: labels.size })
        : local;
      console.log(formatLogLine(label.name, label.index, line, format));
    },
    /** Says what the dev loop did (a reload, a recreation, a build error), even with --quiet. */
    notice(text: string): void {
      console.log(formatLogLine(local.name, local.index, text, format));
    },
  };
}

export function describeReload(event: ReloadEvent): string {
  switch (event.kind) {
    case 'reloaded':
      return `Reloaded ${event.functions.join(', ')} in ${event.ms} ms: new invocations run the new code`;
    case 'failed':
      return `Build failed; the last good code keeps serving:\n${event.errors}`;
    case 'unchanged':
      return 'Builds again; the code serving is already this code';
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export function describeInfra(event: InfraEvent): string {
  switch (event.kind) {
    case 'synthesizing':
      return 'Infrastructure source changed: synthesizing...';
    case 'synth-failed':
      return `Synth failed; the running stack is unchanged:\n${event.report}`;
    case 'recreating':
      return event.reason;
    case 'unchanged':
      return `Synth done in ${seconds(event.ms)}: no resource changed`;
    case 'in-place':
      return `Applied in place in ${seconds(event.ms)}, queued messages and table items kept: ${event.changes}`;
    case 'recreated':
      return `Recreated in ${seconds(event.ms)}: ${event.restored} queued messages moved${event.lost > 0 ? `, ${event.lost} lost with their removed queues` : ''}${event.droppedTables.length > 0 ? `; recreated empty: ${event.droppedTables.join(', ')}` : ''}`;
    case 'failed':
      return `Could not apply the infrastructure change: ${String(event.error)}`;
  }
}

/** What the banner says beyond the cloud itself. */
export interface BannerOptions {
  /** `--data`, as given. */
  readonly data?: string;
  readonly schedules: boolean;
  /** Whether the assembly is fixed (`--assembly`): no infrastructure reload. */
  readonly fixedAssembly: boolean;
  readonly inspect: boolean;
  /** ` --state FILE`, for a state directory the other commands do not look in by themselves. */
  readonly state?: string;
}

/** The lines `npm run dev` prints once the cloud is ready, `elapsed` after it started. */
export function readyBanner(cloud: LocalCloud, elapsed: string, options: BannerOptions): string {
  const o = cloud.outputs;
  return `Local cloud ready in ${elapsed} (Ctrl-C to stop)
  AWS endpoint  ${cloud.endpoint}  (SQS, DynamoDB, Lambda, CloudFormation, STS, Logs; region ${cloud.region}, any credentials)
  console       ${consoleUrlOf(cloud)}
  functions     ${Object.entries(FUNCTION_OUTPUTS)
    .map(([label, key]) => `${label}=${o[key]}`)
    .join('  ')}
  queues        ${QUEUES.map((q) => `${q.toLowerCase()}=${o[queueOutputs(q).queue]?.split('/').pop()}`).join('  ')}
  tables        requests=${o[Output.RequestsTableName]}  strings=${o[Output.StringsTableName]}${options.data ? ` (kept in ${options.data})` : ''}
  runtimes      ${functionRuntimes(cloud).line} (a runtime host process)
  schedules     ${options.schedules ? 'running' : 'off (--schedules to run them)'}
  hot reload    functions/ swaps code; ${options.fixedAssembly ? 'the template is fixed (--assembly)' : 'lib/, bin/, cdk.json re-synth and apply in place (or recreate, saying why)'}${
    options.inspect
      ? `\n  inspector     ${Object.values(cloud.functions)
          .map((f) => `${f.name} on 127.0.0.1:${f.inspectPort}`)
          .join(', ')} (attach VS Code or chrome://inspect; reattach after a reload)`
      : ''
  }
Try: npm run -s invoke -- requestor --payload '{"count":3}'${options.state ?? ''}   npm run send -- request${options.state ?? ''}   npm run logs -- --follow${options.state ?? ''}`;
}
