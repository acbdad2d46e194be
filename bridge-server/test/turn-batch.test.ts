import { describe, expect, it } from 'vitest';
import { batchedPerTurn, coalescedPerTurn } from '../src/storage/turn-batch.js';

/** storage/turn-batch.ts: what is asked in one turn of the event loop is read once, each caller answered its own. */
describe('batchedPerTurn', () => {
  it('reads together what is asked in one turn, in order, duplicates included', async () => {
    const reads: number[][] = [];
    const square = batchedPerTurn(async (keys: readonly number[]) => {
      reads.push([...keys]);
      return keys.map((key) => key * key);
    });
    // Asked from separate callbacks of one turn (as requests from separate sockets are), and from a later turn.
    const first = await new Promise<number[]>((resolve) => {
      const asked: Promise<number>[] = [];
      queueMicrotask(() => asked.push(square(2)));
      process.nextTick(() => asked.push(square(3), square(2)));
      setTimeout(() => void Promise.all(asked).then(resolve), 0);
    });
    expect(first).toEqual([4, 9, 4]);
    expect(await square(5)).toBe(25);
    expect(reads).toEqual([[2, 3, 2], [5]]);
  });

  it('fails every load of a batch whose read fails, and reads the next batch afresh', async () => {
    let failing = true;
    const read = batchedPerTurn(async (keys: readonly string[]) => {
      if (failing) throw new Error('connection lost');
      return keys.map((key) => key.toUpperCase());
    });
    const failed = await Promise.allSettled([read('a'), read('b')]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    failing = false;
    expect(await Promise.all([read('a'), read('b')])).toEqual(['A', 'B']);
  });

  it('splits batches at the maximum size', async () => {
    const sizes: number[] = [];
    const read = batchedPerTurn(async (keys: readonly number[]) => {
      sizes.push(keys.length);
      return keys;
    }, 3);
    expect(await Promise.all([1, 2, 3, 4, 5, 6, 7].map(read))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(sizes).toEqual([3, 3, 1]);
  });

  it('reads identical keys of one turn once and shares the answer; the next turn reads again', async () => {
    const reads: string[] = [];
    const read = coalescedPerTurn(
      async ({ account }: { account: string; caller: number }) => {
        reads.push(account);
        return { account, read: reads.length };
      },
      ({ account }) => account,
    );
    const first = await Promise.all([
      read({ account: 'a', caller: 1 }),
      read({ account: 'b', caller: 2 }),
      read({ account: 'a', caller: 3 }),
    ]);
    expect(first).toEqual([
      { account: 'a', read: 1 },
      { account: 'b', read: 2 },
      { account: 'a', read: 1 },
    ]);
    expect(await read({ account: 'a', caller: 4 })).toEqual({ account: 'a', read: 3 });
    expect(reads).toEqual(['a', 'b', 'a']);
  });
});
