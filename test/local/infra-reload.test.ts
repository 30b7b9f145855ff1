import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Output } from '../../functions/shared/contract';
import { type LocalCloud, startLocalCloud } from '../../local/cloud';
import {
  InfraSynthError,
  recreateCloud,
  synthesizeInBackground,
  templateChange,
} from '../../local/dev/infra-reload';

type Template = {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
};

/** A copy of the pipeline's assembly with its template changed by `edit`. */
function editedAssembly(dir: string, edit: (template: Template) => void): string {
  const copy = join(dir, 'edited.out');
  cpSync(inject('pipelineAssembly'), copy, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(copy, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const file = Object.values(manifest.artifacts).find((a) => a.type === 'aws:cloudformation:stack')
    ?.properties?.templateFile;
  const path = join(copy, file ?? '');
  const template = JSON.parse(readFileSync(path, 'utf8')) as Template;
  edit(template);
  writeFileSync(path, JSON.stringify(template));
  return copy;
}

describe('an infrastructure change in npm run dev', () => {
  const dir = mkdtempSync(join(tmpdir(), 'infra-reload-'));
  const clouds: LocalCloud[] = [];
  afterAll(async () => {
    for (const cloud of clouds) await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names what changed, and the recreated cloud runs the new template with the queued messages and the tables of the old', async () => {
    let mappingId = '';
    const edited = editedAssembly(dir, (template) => {
      template.Resources.ExtraQueue = { Type: 'AWS::SQS::Queue', Properties: {} };
      for (const [id, resource] of Object.entries(template.Resources)) {
        if (resource.Type === 'AWS::Lambda::EventSourceMapping' && !mappingId) {
          mappingId = id;
          resource.Properties.BatchSize = 5;
        }
      }
    });
    const change = templateChange(inject('pipelineAssembly'), edited);
    expect(change).toEqual({
      added: ['ExtraQueue (AWS::SQS::Queue)'],
      removed: [],
      changed: [`${mappingId} (AWS::Lambda::EventSourceMapping)`],
    });

    const lines: string[] = [];
    const options = {
      dataDir: join(dir, 'data'),
      timeScale: 10,
      log: (line: string) => lines.push(line),
    };
    const old = await startLocalCloud({ assemblyDir: inject('pipelineAssembly'), ...options });
    clouds.push(old);
    const generator = old.outputs[Output.GeneratorFunctionName] ?? '';
    // Requests recorded in the old cloud's table and waiting in its queue.
    await old.pauseConsumer(generator);
    const requested = await old.invoke(old.outputs[Output.RequestorFunctionName] ?? '', {
      count: 2,
    });
    const { requestIds } = requested.result as { requestIds: string[] };

    const { cloud, restored, lost } = await recreateCloud(old, () =>
      startLocalCloud({ assemblyDir: edited, ...options }),
    );
    clouds.push(cloud);
    expect({ restored, lost }).toEqual({ restored: 2, lost: 0 });
    expect(cloud.queues.ExtraQueue).toBeDefined();

    // The round trips complete: the requestor stores each response only for a request its table
    // recorded, in the old cloud.
    await cloud.waitForIdle();
    for (const id of requestIds) {
      expect(lines.some((l) => l.includes('"stored response"') && l.includes(id))).toBe(true);
    }
  });
});

describe('a synth error during npm run dev', () => {
  it('is reported as one error naming the problem, for the running stack to carry on', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'infra-synth-'));
    try {
      const failure = await synthesizeInBackground(outdir, { batchSize: 'lots' }).catch(
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(InfraSynthError);
      expect((failure as Error).message).toMatch(/^ConfigError: batchSize must be .*"lots"/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
