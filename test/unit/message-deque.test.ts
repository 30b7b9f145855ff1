import { describe, expect, it } from 'vitest';
import { MessageDeque } from '../../local/sqs/fauxqs';

describe("the ready messages' deque", () => {
  it('shifts in the order pushed, across compactions, and counts and iterates what is left', () => {
    const deque = new MessageDeque<number>();
    expect(deque.shift()).toBeUndefined();
    for (let i = 0; i < 3000; i++) deque.push(i);
    const shifted = Array.from({ length: 2500 }, () => deque.shift());
    expect(shifted).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    deque.push(3000, 3001);
    expect(deque.length).toBe(502);
    expect([...deque]).toEqual(Array.from({ length: 502 }, (_, i) => i + 2500));
    while (deque.length > 0) deque.shift();
    expect(deque.shift()).toBeUndefined();
    expect([...deque]).toEqual([]);
  });
});
