import { describe, expect, inject, it } from 'vitest';
import { QUEUES } from '../../contract/contract';
import { runChaosSoak } from '../../local/chaos/soak';
import { patchedAssembly, shortTimeouts, type Template } from './assembly';

/**
 * Sends a message to its queue's DLQ after two failed receives: two crashes in a row dead-letter
 * it, while one slow cold start after the redrive (a timeout on a loaded machine) does not.
 */
function deadLetterSoon(template: Template): void {
  for (const resource of Object.values(template.Resources)) {
    const policy = resource.Properties.RedrivePolicy as { maxReceiveCount?: number } | undefined;
    if (resource.Type === 'AWS::SQS::Queue' && policy) policy.maxReceiveCount = 2;
  }
}

// Its own file, so that it runs beside the all-kinds soak instead of after it.
describe('chaos soak, crashes alone', () => {
  it('proves nothing lost under crashes alone: what they dead-letter is redriven once and completes', async () => {
    // Crashed batches return after 5 s; crashed twice, the next receive moves them to their DLQ.
    const assemblyDir = patchedAssembly(
      (template) => {
        shortTimeouts(template, 5);
        deadLetterSoon(template);
      },
      // The template's own concurrency: the soak is about what runs at once.
      inject('pipelineAssembly'),
    );
    const result = await runChaosSoak({
      seed: 31337,
      requests: 100,
      assemblyDir,
      timeScale: 60,
      intervalMs: 300,
      kinds: ['crash'],
      // The generator's batches come from SQS, whose receive counts a crash raises; a crashed
      // requestor invocation is retried by the caller instead, and dead-letters nothing.
      functions: ['StringPipeline-generator'],
      // Forty crashes that kill, then the pipeline settles: injecting until idle would go on for
      // as long as the crashes themselves keep it busy, which on a loaded machine is minutes.
      hits: 40,
      faults: [],
    });

    const before = result.beforeRedrive;
    const deadLettered = QUEUES.reduce((n, q) => n + before.deadLetters[q], 0);
    expect(result.chaos.environmentsKilled).toBeGreaterThan(0);
    // Crashes count as receives: with two receives allowed, crashed batches went to the DLQs.
    expect(deadLettered).toBeGreaterThan(0);
    expect(QUEUES.reduce((n, q) => n + (result.redrive.moved[q] ?? 0), 0)).toBe(deadLettered);
    expect(result.redrive.failures).toEqual([]);
    expect(result.reconciliation.complete).toBe(100);
    expect(result.reconciliation.deadLetters).toEqual({ Request: 0, Response: 0, Ack: 0 });
    expect(result.clean).toBe(true);
    console.log(
      `crash-only chaos: ${result.chaos.environmentsKilled} environments killed, ${deadLettered} dead letters redriven (${result.redrive.duplicates} duplicates absorbed), 100/100 complete in ${result.seconds.toFixed(1)} s`,
    );
  }, 300_000);
});
