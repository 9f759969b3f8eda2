// A service told to stop while it is still starting (SIGTERM right after launch) lets the
// start finish what it has in hand, then starts nothing more: the essential-package copy
// removes its container before the process exits, and no scheduler is left running.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createScheduledApp, queueJob, submitTokenId } from './helpers/scheduled-app.ts';
import { outcomes, ScriptedBuilder } from './helpers/scripted-builder.ts';
import { waitFor } from './helpers/wait-for.ts';

/** An engine whose copy of the essential packages lasts until the test releases it. */
class SlowCopyBuilder extends ScriptedBuilder {
  readonly steps: string[] = [];
  release: () => void = () => undefined;

  override async fetchEssentialPackages(): Promise<string[]> {
    this.steps.push('copy began');
    await new Promise<void>((resolve) => (this.release = resolve));
    this.steps.push('copy container removed');
    return [];
  }
}

test('a stop during the start waits for the essential-package copy, and the scheduler never starts', async (t) => {
  const engine = new SlowCopyBuilder(`stop-start-${process.pid}`, 1, outcomes.buildError());
  const app = await createScheduledApp([engine], { pollMs: 100 });
  t.after(() => app.close());
  const pipeline = app.pipeline!;
  let dispatcherStarts = 0;
  const startDispatcher = pipeline.dispatcher.start.bind(pipeline.dispatcher);
  pipeline.dispatcher.start = () => {
    dispatcherStarts += 1;
    return startDispatcher();
  };
  const jobId = await queueJob(app, await submitTokenId(app), 'stop-start');

  const started = pipeline.start();
  await waitFor('the essential-package copy to begin', () => engine.steps.includes('copy began'));
  const stopped = pipeline.stop().then(() => engine.steps.push('stop returned'));
  // The stop is waiting on the copy, not past it.
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(engine.steps, ['copy began']);

  engine.release();
  await Promise.all([started, stopped]);
  assert.deepEqual(engine.steps, ['copy began', 'copy container removed', 'stop returned']);
  assert.equal(dispatcherStarts, 0, 'the scheduler was not started after the stop');
  assert.equal(engine.requests.length, 0, 'no attempt was given to the engine');
  const { state } = await app.db.selectFrom('jobs').select('state').where('id', '=', jobId).executeTakeFirstOrThrow();
  assert.equal(state, 'queued');
});
