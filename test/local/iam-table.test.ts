import { describe, expect, inject, it } from 'vitest';
import { iamReport } from '../../ops/iam-table';
import { resolveTarget } from '../../ops/target';
import { patchedAssembly } from './assembly';
import { spawnCommand } from './command-runner';
import { startHarness } from './harness';

/** The pipeline's assembly without the requestor's dynamodb:PutItem on its table. */
function withoutRequestorPut(): string {
  return patchedAssembly((template) => {
    const [, policy] =
      Object.entries(template.Resources).find(([id]) =>
        id.startsWith('RequestorRoleDefaultPolicy'),
      ) ?? [];
    const document = policy?.Properties.PolicyDocument as {
      Statement: { Action: string | string[] }[];
    };
    const statement = document.Statement.find((s) =>
      [s.Action].flat().includes('dynamodb:PutItem'),
    );
    if (!statement) throw new Error('the requestor has no dynamodb:PutItem grant');
    statement.Action = [statement.Action].flat().filter((a) => a !== 'dynamodb:PutItem');
  });
}

async function withTarget<T>(
  assemblyDir: string,
  body: (endpoint: string) => Promise<T>,
): Promise<T> {
  const h = await startHarness({ assemblyDir });
  try {
    return await body(h.cloud.endpoint);
  } finally {
    await h.stop();
  }
}

describe('inspect --iam', () => {
  it("finds every permission the pipeline's roles need granted, from the template CloudFormation serves", async () => {
    const report = await withTarget(inject('pipelineAssembly'), async (endpoint) =>
      iamReport(await resolveTarget({ endpoint })),
    );
    expect(report.missing).toBe(0);
    // An excess grant fails this as a missing one does.
    expect(report.excess).toEqual([]);
    const row = (role: string, action: string, resource: RegExp) =>
      report.rows.find(
        (r) => r.role.startsWith(role) && r.action === action && resource.test(r.resource),
      );
    // One of each kind of need: the code's calls, a poller, a destination, the schedule.
    expect(row('RequestorRole', 'sqs:SendMessage', /:StringPipeline-request$/)?.neededBy).toEqual([
      'code (REQUEST_QUEUE_URL)',
    ]);
    expect(row('GeneratorRole', 'sqs:ReceiveMessage', /:StringPipeline-ack$/)?.neededBy).toEqual([
      'event source poller',
    ]);
    expect(
      row('RequestorRole', 'sqs:SendMessage', /:StringPipeline-requestor-failures$/)?.neededBy,
    ).toEqual(['on-failure destination']);
    expect(
      row('ScheduleRole', 'lambda:InvokeFunction', /:function:StringPipeline-requestor$/),
    ).toMatchObject({
      principal: 'StringPipeline-schedule',
      granted: true,
    });
    expect(row('ScheduleRole', 'sqs:SendMessage', /:StringPipeline-schedule-dlq$/)?.granted).toBe(
      true,
    );
    // Granted on the one resource each needs, nothing wider, except X-Ray, which has no resources.
    expect(report.rows.filter((r) => r.broad)).toEqual([]);
  });

  it('shows a grant removed from the template as missing, and exits 1', async () => {
    const run = await withTarget(withoutRequestorPut(), async (endpoint) => {
      const report = await iamReport(await resolveTarget({ endpoint }));
      expect(report.rows.filter((r) => !r.granted)).toEqual([
        expect.objectContaining({
          role: expect.stringMatching(/^RequestorRole/),
          principal: 'StringPipeline-requestor',
          action: 'dynamodb:PutItem',
          resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/StringPipeline-requests',
          denial: 'no statement allows it',
        }),
      ]);
      return spawnCommand('inspect', ['--iam', '--endpoint', endpoint]);
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /RequestorRole\S*\s+StringPipeline-requestor\s+dynamodb:PutItem\s+arn:aws:dynamodb:us-east-1:000000000000:table\/StringPipeline-requests\s+NO \(no statement allows it\)/,
    );
    expect(run.stdout).toMatch(/1 of \d+ needed permissions are NOT granted/);
  });
});
