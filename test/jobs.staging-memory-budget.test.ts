// Small parts of an upload are held in memory while they arrive (src/jobs/staging-sink.ts), but
// only within the service's budget for that (src/jobs/memory-budget.ts): past it, a part goes to
// disk as it arrives, and held bytes count until whoever writes them releases them.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SourceStore } from '../src/jobs/source-store.ts';
import { SPILL_AFTER_MS } from '../src/jobs/staging-sink.ts';
import { makeTempDir, removeTempDir } from './helpers/deb-fixtures.ts';
import { waitFor } from './helpers/wait-for.ts';

let dataDir: string;
before(async () => {
  dataDir = await makeTempDir('stubbuild-memory-budget-');
});
after(() => removeTempDir(dataDir));

const part = (size: number, fill: number) => Readable.from([Buffer.alloc(size, fill)]);

test('parts are held in memory up to the budget; the next one goes to disk as it arrives', async () => {
  const store = new SourceStore(dataDir, { heldInMemoryUpTo: 3000 });
  const first = await store.receive('a.deb', part(2000, 1), 1 << 20, undefined, true);
  const second = await store.receive('b.deb', part(2000, 2), 1 << 20, undefined, true);
  assert.ok(first.held, 'the first part is held in memory');
  assert.equal(store.memory.inUse, 2000);
  assert.equal(second.held, undefined, 'the second part does not fit in the budget');
  assert.deepEqual(await readFile((await second.written!).tmpPath), Buffer.alloc(2000, 2));
  assert.equal(store.memory.inUse, 2000, 'a part on disk holds no memory');
  assert.deepEqual(await readdir(store.tmpDir), [second.file.tmpPath.split('/').pop()], 'only the spilled part is on disk');
  await store.writeHeld(first.file, first.held);
  assert.equal(store.memory.inUse, 0, 'written: released');
  assert.deepEqual(await readFile(first.file.tmpPath), Buffer.alloc(2000, 1));
  assert.equal(first.file.sha256, createHash('sha256').update(Buffer.alloc(2000, 1)).digest('hex'));
  await store.discard([first.file, second.file]);
});

test('a part refused while held in memory gives its bytes back and leaves no file', async () => {
  const store = new SourceStore(dataDir, { heldInMemoryUpTo: 1 << 20 });
  const input = Readable.from([Buffer.alloc(1000), Buffer.alloc(1000)]);
  await assert.rejects(store.receive('big.deb', input, 1500, undefined, true), /big\.deb is larger than the limit of 1500 bytes/);
  assert.equal(store.memory.inUse, 0);
  assert.deepEqual(await readdir(store.tmpDir), []);
});

test('without `hold`, a part held while it arrived is written by the store, and released', async () => {
  const store = new SourceStore(dataDir, { heldInMemoryUpTo: 1 << 20 });
  const staged = await store.stage('c.deb', part(500, 3), 1 << 20);
  assert.deepEqual(await readFile(staged.tmpPath), Buffer.alloc(500, 3));
  assert.equal(store.memory.inUse, 0);
  await store.discard([staged]);
});

/** A part whose first half arrives at once and the second half when `rest` resolves. */
function pausedPart(rest: Promise<void>): Readable {
  return Readable.from(
    (async function* () {
      yield Buffer.alloc(1000, 1);
      await rest;
      yield Buffer.alloc(1000, 2);
    })(),
  );
}

test('a part still arriving after SPILL_AFTER_MS goes to disk and holds no memory; a shorter pause keeps it in memory', async () => {
  const store = new SourceStore(dataDir, { heldInMemoryUpTo: 1 << 20 });
  const whole = Buffer.concat([Buffer.alloc(1000, 1), Buffer.alloc(1000, 2)]);

  let arrive!: () => void;
  const slow = store.receive('slow.deb', pausedPart(new Promise((resolve) => (arrive = resolve))), 1 << 20, undefined, true);
  // Past the threshold the first half goes to staging and nothing stays held (polled: how soon
  // the disk answers is the machine's business).
  await waitFor('the first half to go to disk', async () => store.memory.inUse === 0 && (await readdir(store.tmpDir)).length === 1);
  arrive();
  const spilled = await slow;
  assert.equal(spilled.held, undefined);
  assert.deepEqual(await readFile((await spilled.written!).tmpPath), whole);
  assert.equal(spilled.file.sha256, createHash('sha256').update(whole).digest('hex'));

  const quick = await store.receive('quick.deb', pausedPart(sleep(SPILL_AFTER_MS / 10)), 1 << 20, undefined, true);
  assert.ok(quick.held, 'a pause well under the threshold keeps the part in memory');
  assert.deepEqual(quick.held.bytes, whole);
  assert.equal(quick.file.sha256, spilled.file.sha256);
  quick.held.release();
  await store.discard([spilled.file, quick.file]);
});
