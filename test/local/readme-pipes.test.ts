import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useStateCloud } from './state-cloud';

// The README's pipes as a user types them, through npm itself (in `npm run test:slow`: each npm
// and command process costs the suite about 2 CPU-s in all). dev-commands.test.ts runs the same
// commands in-process, and an event from a file into invoke.

const s = useStateCloud('readme-pipes-');

describe('the README pipes, through npm itself', () => {
  it('pipe an event into invoke and write it to a file as JSON, with npm run -s', async () => {
    // Quoted for the shell: the temporary directory may hold spaces.
    const state = `--state '${s.stateFile}'`;
    const file = join(s.dir, 'ev.json');
    // As the README writes them (one pipeline for both: the event written to a file on its way
    // into invoke); npm without -s would write its "> string-pipeline@..." header to stdout.
    const piped = await shell(
      `npm run -s event -- sqs --queue request ${state} | tee '${file}' | npm run -s invoke -- generator - ${state}`,
    );
    const event = JSON.parse(readFileSync(file, 'utf8')) as { Records: { eventSource: string }[] };
    expect(event.Records[0]?.eventSource).toBe('aws:sqs');
    expect(piped.code, piped.err).toBe(0);
    expect(JSON.parse(piped.out)).toEqual({ batchItemFailures: [] });
  });
});

/** Runs a shell command line; resolves with its exit code and output. */
function shell(line: string): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn('sh', ['-c', line], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}
