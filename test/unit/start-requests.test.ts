import { describe, expect, it } from 'vitest';
import { requestStrings } from '../../local/session/requests';

describe("npm start's asks for strings", () => {
  it('go in chunks, each only once the request queue has room, and return every id', async () => {
    const calls: string[] = [];
    const backlogs = [0, 3500, 3200, 100, 2999];
    const ids = await requestStrings(
      {
        backlog: async () => {
          const backlog = backlogs.shift() ?? 0;
          calls.push(`backlog ${backlog}`);
          return backlog;
        },
        invoke: async (count) => {
          calls.push(`invoke ${count}`);
          return Array.from(
            { length: count },
            (_, i) => `${calls.length}-${String(i).padStart(4, '0')}`,
          );
        },
      },
      2500,
      1000,
      { maxBacklog: 3000, pollMs: 0 },
    );
    expect(calls).toEqual([
      'backlog 0',
      'invoke 1000',
      'backlog 3500',
      'backlog 3200',
      'backlog 100',
      'invoke 1000',
      'backlog 2999',
      'invoke 500',
    ]);
    expect(ids.size).toBe(2500);
    expect(new Set(ids).size).toBe(2500);
  });

  it('stop at the first failed invocation', async () => {
    let invocations = 0;
    await expect(
      requestStrings(
        {
          backlog: async () => 0,
          invoke: async () => {
            invocations += 1;
            throw new Error('The requestor failed: Runtime.Timeout');
          },
        },
        3000,
        1000,
      ),
    ).rejects.toThrow('Runtime.Timeout');
    expect(invocations).toBe(1);
  });
});
