// mapLimited keeps at most `limit` running, keeps the order of results, and after a failure
// starts nothing new and returns only once what was running has finished.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapLimited } from '../src/map-limited.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('at most `limit` at once, results in the order of the items', async () => {
  let running = 0;
  let most = 0;
  const results = await mapLimited([5, 1, 4, 2, 3], 2, async (n, i) => {
    running += 1;
    most = Math.max(most, running);
    for (let k = 0; k < n; k += 1) await tick();
    running -= 1;
    return `${i}:${n}`;
  });
  assert.deepEqual(results, ['0:5', '1:1', '2:4', '3:2', '4:3']);
  assert.equal(most, 2);
});

test('a failure stops new items and is thrown once the running ones are done', async () => {
  const started: number[] = [];
  let finished = 0;
  await assert.rejects(
    mapLimited([0, 1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      if (n === 1) throw new Error('item 1 refused');
      for (let k = 0; k < 3; k += 1) await tick();
      finished += 1;
    }),
    /item 1 refused/,
  );
  assert.deepEqual(started, [0, 1]);
  assert.equal(finished, 1);
});
