// The loop every background worker of the service runs on: one round at a time, woken rounds
// follow the running one, a failed round does not end the loop, and nothing runs after stop().
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackgroundLoop } from '../src/background-loop.ts';
import { waitFor } from './helpers/wait-for.ts';

const HOUR = 3_600_000;

/** A round that runs until the test lets it end. */
function heldRounds() {
  let running = 0;
  let most = 0;
  let rounds = 0;
  const releases: (() => void)[] = [];
  return {
    round: async () => {
      rounds += 1;
      running += 1;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => releases.push(resolve));
      running -= 1;
    },
    release: () => releases.shift()?.(),
    get rounds() {
      return rounds;
    },
    get waiting() {
      return releases.length;
    },
    get most() {
      return most;
    },
  };
}

test('wakes during a round run one more round after it, never two at once', async (t) => {
  const held = heldRounds();
  const loop = new BackgroundLoop({ failureMessage: 'round failed', everyMs: HOUR, round: held.round });
  t.after(() => loop.stop());
  void loop.start();
  await waitFor('the first round', () => held.waiting === 1);
  loop.wake();
  loop.wake();
  held.release();
  await waitFor('the woken round', () => held.waiting === 1 && held.rounds === 2);
  held.release();
  await waitFor('the loop at rest', () => held.waiting === 0);
  assert.equal(held.rounds, 2, 'two wakes during one round ask for one more round');
  assert.equal(held.most, 1);
});

test('stop waits for the running round and runs none after it', async () => {
  const held = heldRounds();
  const loop = new BackgroundLoop({ failureMessage: 'round failed', everyMs: HOUR, round: held.round });
  void loop.start();
  await waitFor('the first round', () => held.waiting === 1);
  let stopped = false;
  const stopping = loop.stop().then(() => (stopped = true));
  loop.wake();
  await Promise.resolve();
  assert.equal(stopped, false, 'stop resolves only once the running round has ended');
  held.release();
  await stopping;
  loop.wake();
  assert.equal(held.rounds, 1);
});

test('a failed round is logged and the loop goes on', async (t) => {
  const logged: unknown[] = [];
  let rounds = 0;
  const loop = new BackgroundLoop({
    failureMessage: 'round failed',
    logger: { error: (fields: unknown, message?: string) => logged.push([fields, message]) } as never,
    everyMs: HOUR,
    round: async () => {
      rounds += 1;
      if (rounds === 1) throw new Error('first round breaks');
    },
  });
  t.after(() => loop.stop());
  await loop.start();
  assert.equal(logged.length, 1);
  assert.equal((logged[0] as [unknown, string])[1], 'round failed');
  loop.wake();
  await waitFor('the round after the failure', () => rounds === 2);
});

test('a round that says work is left is followed at once', async (t) => {
  let rounds = 0;
  const loop = new BackgroundLoop({ failureMessage: 'round failed', everyMs: HOUR, round: async () => ++rounds < 3 });
  t.after(() => loop.stop());
  void loop.start();
  await waitFor('three rounds without a wake', () => rounds === 3);
});
